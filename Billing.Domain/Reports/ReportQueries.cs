using System.Globalization;
using Billing.Domain.Access;
using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Domain.Usage;
using Npgsql;

namespace Billing.Domain.Reports;

/// <summary>
/// The invoice queries and reports of the HTTP API: one parameterised SQL statement each, read from the reporting
/// database. Every statement is narrowed to what the caller may read by <see cref="Scope"/>, the one place that
/// applies a client key's client.
/// </summary>
public sealed class ReportQueries(ReportingDatabase database)
{
    public const int MaxLimit = 500;

    private const string InvoiceColumns = """
        "id", "number", "clientId", "clientName", "perioada", "periodStart", "periodEnd", "minuteTotale", "totalCalls", "successfulCalls",
        "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata", "currency", "status", "dueDate", "issuedAt", "paidAt", "reconciled", "createdAt",
        "amountPaid", "creditApplied", "amountDue", "netAmount", "vatAmount", "issueDate", "vatCategory", "missingFields", "reviewReason"
        """;

    /// <summary>Client keys read only their client's rows; admin and reporting keys read all.</summary>
    private static SqlQuery Scope(SqlQuery query, Caller caller, string clientColumn) =>
        caller.ReadsAllClients ? query : query.Where(clientColumn + " = {0}", caller.ClientId!);

    public async Task<Page<InvoiceRow>> InvoicesAsync(Caller caller, InvoiceFilter filter, InvoiceSort sort, int limit, string? cursor,
        CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "\"clientId\"");
        AddFilter(query, filter);
        var sortName = sort.Key.ToString();
        if (cursor is not null)
        {
            var (value, id) = KeysetCursor.Decode(cursor, sortName, sort.Descending) ?? throw new InvalidCursorException();
            query.Where($"({sort.Column}, \"id\") {(sort.Descending ? "<" : ">")} ({SortValue(query, sort.Key, value)}, {query.Value(id)})");
        }
        var direction = sort.Descending ? "DESC" : "ASC";
        query.Build($"""
            SELECT {InvoiceColumns} FROM "Factura" {query.WhereClause}
            ORDER BY {sort.Column} {direction}, "id" {direction} LIMIT {query.Value(limit + 1)}
            """);
        var rows = await database.QueryAsync(query, ReadInvoice, ct);
        if (rows.Count <= limit)
        {
            return new Page<InvoiceRow>(rows, null);
        }
        rows.RemoveAt(limit);
        var last = rows[^1];
        var lastValue = sort.Key switch
        {
            InvoiceSortKey.CreatedAt => KeysetCursor.Instant(last.CreatedAt),
            InvoiceSortKey.DueDate => last.DueDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            InvoiceSortKey.Period => last.Period,
            _ => last.Total.ToString(CultureInfo.InvariantCulture),
        };
        return new Page<InvoiceRow>(rows, KeysetCursor.Encode(sortName, sort.Descending, lastValue, last.Id));
    }

    private static void AddFilter(SqlQuery query, InvoiceFilter filter)
    {
        if (filter.Status is { } status)
        {
            query.Where("\"status\" = {0}", TextEnum.ToText(status, TextCase.Upper));
        }
        if (filter.ClientId is { } clientId)
        {
            query.Where("\"clientId\" = {0}", clientId);
        }
        if (filter.PeriodFrom is { } from)
        {
            query.Where("\"perioada\" >= {0}", from);
        }
        if (filter.PeriodTo is { } to)
        {
            query.Where("\"perioada\" <= {0}", to);
        }
        if (filter.DueBefore is { } dueBefore)
        {
            query.Where("\"dueDate\" < {0}", dueBefore);
        }
        if (filter.DueAfter is { } dueAfter)
        {
            query.Where("\"dueDate\" > {0}", dueAfter);
        }
        if (filter.CreatedSince is { } since)
        {
            query.Where("\"createdAt\" >= {0}", since.ToUniversalTime());
        }
        if (filter.Review is { } review)
        {
            query.Where(review ? "\"reviewReason\" IS NOT NULL" : "\"reviewReason\" IS NULL");
        }
        if (filter.Exportable is { } exportable)
        {
            query.Where(exportable ? "cardinality(\"missingFields\") = 0" : "cardinality(\"missingFields\") > 0");
        }
    }

    private static string SortValue(SqlQuery query, InvoiceSortKey key, string value)
    {
        try
        {
            return key switch
            {
                InvoiceSortKey.CreatedAt => query.Value(DateTimeOffset.Parse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal)
                    .ToUniversalTime()),
                InvoiceSortKey.DueDate => query.Value(DateOnly.ParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture)),
                InvoiceSortKey.Period => query.Value(value),
                _ => query.Value(decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture)),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            throw new InvalidCursorException();
        }
    }

    public async Task<(InvoiceRow Invoice, List<InvoiceLateUsage> LateUsage, List<PaymentRow> Payments)?> InvoiceAsync(Caller caller, Guid id,
        CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "\"clientId\"").Where("\"id\" = {0}", id);
        var invoice = (await database.QueryAsync(query.Build($"""SELECT {InvoiceColumns} FROM "Factura" {query.WhereClause}"""), ReadInvoice, ct))
            .SingleOrDefault();
        if (invoice is null)
        {
            return null;
        }
        var lines = new SqlQuery();
        lines.Build($"""
            SELECT "originalPeriod", "calls", "minutes", "amount" FROM "InvoiceLateUsage"
            WHERE "facturaId" = {lines.Value(id)} ORDER BY "originalPeriod"
            """);
        var lateUsage = await database.QueryAsync(lines, r => new InvoiceLateUsage
        {
            InvoiceId = id,
            OriginalPeriod = r.GetString(0),
            Calls = r.GetInt32(1),
            Minutes = r.GetDecimal(2),
            Amount = r.GetDecimal(3),
        }, ct);
        var payments = await PaymentsAsync(caller, status: null, invoiceId: id, clientId: null, MaxLimit, ct);
        return (invoice, lateUsage, payments);
    }

    /// <summary>Invoiced totals per currency and period, for periods <paramref name="from"/>..<paramref name="to"/> (inclusive).</summary>
    /// <summary>The credit notes of an invoice the caller may see, oldest first.</summary>
    public Task<List<CreditNoteRow>> CreditNotesAsync(Caller caller, Guid invoiceId, CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "\"clientId\"").Where("\"facturaId\" = {0}", invoiceId);
        query.Build($"""
            SELECT "id", "number", "facturaId", "clientId", "reason", "issueDate", "issuedAt", "netAmount", "vatAmount", "grossAmount", "currency",
                   "content" IS NOT NULL
            FROM "CreditNote" {query.WhereClause}
            ORDER BY "issuedAt", "number"
            """);
        return database.QueryAsync(query, r => new CreditNoteRow(r.GetGuid(0), r.GetString(1), r.GetGuid(2), r.GetString(3), r.GetString(4),
            r.GetFieldValue<DateOnly>(5), r.GetFieldValue<DateTimeOffset>(6), r.GetDecimal(7), r.GetDecimal(8), r.GetDecimal(9),
            r.GetString(10), r.GetBoolean(11)), ct);
    }

    public Task<List<RevenueRow>> RevenueAsync(Caller caller, string? from, string? to, InvoiceStatus? status, CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "\"clientId\"");
        AddFilter(query, new InvoiceFilter(Status: status, PeriodFrom: from, PeriodTo: to));
        query.Build($"""
            SELECT "currency", "perioada", count(*)::int, sum("costMinute"), sum("taxaFixa"), sum("lateUsageAmount"),
                   -- Net of credit notes, counted in the period of the invoice they credit (at its rates); a fully credited one counts 0.
                   sum("totalDePlata") - sum(cn.gross),
                   -- Invoices issued before VAT (or without an issuer) carry none: their amount to pay is their net.
                   sum(COALESCE("netAmount", "totalDePlata")) - sum(cn.net), sum(COALESCE("vatAmount", 0)) - sum(cn.vat)
            FROM "Factura"
            CROSS JOIN LATERAL (SELECT COALESCE(sum(n."grossAmount"), 0) AS gross, COALESCE(sum(n."netAmount"), 0) AS net,
                                       COALESCE(sum(n."vatAmount"), 0) AS vat
                                FROM "CreditNote" n WHERE n."facturaId" = "Factura"."id") cn
            {query.WhereClause}
            GROUP BY "currency", "perioada" ORDER BY "currency", "perioada"
            """);
        return database.QueryAsync(query, r => new RevenueRow(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetDecimal(3), r.GetDecimal(4),
            r.GetDecimal(5), r.GetDecimal(6), r.GetDecimal(7), r.GetDecimal(8)), ct);
    }

    /// <summary>The seed's "top clients": a period's invoices by amount, with their minutes.</summary>
    public Task<List<TopClientRow>> TopClientsAsync(Caller caller, string period, int limit, CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "\"clientId\"").Where("\"perioada\" = {0}", period);
        query.Build($"""
            SELECT "clientId", "clientName", "perioada", "totalDePlata", "currency", "minuteTotale", "totalCalls", "status"
            FROM "Factura" {query.WhereClause}
            ORDER BY "totalDePlata" DESC, "clientId" LIMIT {query.Value(limit)}
            """);
        return database.QueryAsync(query, r => new TopClientRow(r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2),
            r.GetDecimal(3), r.GetString(4), r.GetDecimal(5), r.GetInt32(6), ParseStatus(r.GetString(7))), ct);
    }

    /// <summary>The seed's "check invoice generation" monitor: invoices created since an instant, newest first.</summary>
    public Task<List<InvoiceRow>> RecentInvoicesAsync(Caller caller, DateTimeOffset since, int limit, CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "\"clientId\"").Where("\"createdAt\" > {0}", since.ToUniversalTime());
        query.Build($"""
            SELECT {InvoiceColumns} FROM "Factura" {query.WhereClause}
            ORDER BY "createdAt" DESC, "id" DESC LIMIT {query.Value(limit)}
            """);
        return database.QueryAsync(query, ReadInvoice, ct);
    }

    /// <summary>Payments, newest first; the seed's "failed payments" monitor is <c>status = FAILED</c>.</summary>
    public Task<List<PaymentRow>> PaymentsAsync(Caller caller, PaymentStatus? status, Guid? invoiceId, string? clientId, int limit,
        CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "f.\"clientId\"");
        if (status is { } s)
        {
            query.Where("p.\"status\" = {0}", TextEnum.ToText(s, TextCase.Upper));
        }
        if (invoiceId is { } id)
        {
            query.Where("p.\"facturaId\" = {0}", id);
        }
        if (clientId is not null)
        {
            query.Where("f.\"clientId\" = {0}", clientId);
        }
        query.Build($"""
            SELECT p."id", p."facturaId", f."number", f."clientId", p."amount", p."currency", p."paymentMethod", p."status", p."transactionId",
                   p."paidAt", p."createdAt", p."reference", p."refundOf", p."reason"
            FROM "PaymentTransaction" p JOIN "Factura" f ON f."id" = p."facturaId" {query.WhereClause}
            ORDER BY p."createdAt" DESC, p."id" DESC LIMIT {query.Value(limit)}
            """);
        return database.QueryAsync(query, r => new PaymentRow(r.GetGuid(0), r.GetGuid(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3),
            r.GetDecimal(4), r.GetString(5), TextEnum.Parse<PaymentMethod>(r.GetString(6)),
            TextEnum.Parse<PaymentStatus>(r.GetString(7)), r.IsDBNull(8) ? null : r.GetString(8),
            r.IsDBNull(9) ? null : r.GetFieldValue<DateTimeOffset>(9), r.GetFieldValue<DateTimeOffset>(10), NullableString(r, 11),
            r.IsDBNull(12) ? null : r.GetGuid(12), NullableString(r, 13)), ct);
    }

    /// <summary>Call-level rows for audits, oldest first, in keyset pages over (occurredAt, id).</summary>
    public async Task<Page<UsageRow>> UsageAsync(Caller caller, string? clientId, bool unattributedOnly, DateTimeOffset? from, DateTimeOffset? to,
        int limit, string? cursor, CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "u.\"clientId\"");
        if (unattributedOnly)
        {
            query.Where("u.\"clientId\" IS NULL");
        }
        if (clientId is not null)
        {
            query.Where("u.\"clientId\" = {0}", clientId);
        }
        if (from is { } f)
        {
            query.Where("u.\"occurredAt\" >= {0}", f.ToUniversalTime());
        }
        if (to is { } t)
        {
            query.Where("u.\"occurredAt\" < {0}", t.ToUniversalTime());
        }
        const string sortName = "OccurredAt";
        if (cursor is not null)
        {
            var (value, id) = KeysetCursor.Decode(cursor, sortName, descending: false) ?? throw new InvalidCursorException();
            if (!DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var after))
            {
                throw new InvalidCursorException();
            }
            query.Where($"(u.\"occurredAt\", u.\"id\") > ({query.Value(after.ToUniversalTime())}, {query.Value(id)})");
        }
        query.Build($"""
            SELECT u."id", u."callId", u."clientId", u."vapiAssistantId", u."startedAt", u."endedAt", u."occurredAt", u."duration",
                   u."billableSeconds", u."durationMinutes", u."cost", c."currency", u."vapiCost", u."endedReason", u."outcome", u."billable",
                   u."incomplete", u."toolsUsed", (SELECT b."facturaId" FROM "UsageLogInvoice" b WHERE b."usageLogId" = u."id")
            FROM "UsageLog" u LEFT JOIN "Client" c ON c."clientId" = u."clientId" {query.WhereClause}
            ORDER BY u."occurredAt", u."id" LIMIT {query.Value(limit + 1)}
            """);
        var rows = await database.QueryAsync(query, r => new UsageRow(r.GetGuid(0), r.GetString(1), NullableString(r, 2), NullableString(r, 3),
            NullableInstant(r, 4), NullableInstant(r, 5), r.GetFieldValue<DateTimeOffset>(6), r.GetDecimal(7), r.GetDecimal(8), r.GetDecimal(9),
            r.GetDecimal(10), NullableString(r, 11), r.IsDBNull(12) ? null : r.GetDecimal(12), NullableString(r, 13),
            TextEnum.Parse<CallOutcome>(r.GetString(14)), r.GetBoolean(15), r.GetBoolean(16), r.GetFieldValue<string[]>(17),
            r.IsDBNull(18) ? null : r.GetGuid(18)), ct);
        if (rows.Count <= limit)
        {
            return new Page<UsageRow>(rows, null);
        }
        rows.RemoveAt(limit);
        return new Page<UsageRow>(rows, KeysetCursor.Encode(sortName, false, KeysetCursor.Instant(rows[^1].OccurredAt), rows[^1].Id));
    }

    /// <summary>How many calls of each visible client used each tool in a period (a call counts once per tool).</summary>
    public async Task<List<ToolUsageRow>> ToolsAsync(Caller caller, string period, string? clientId, CancellationToken ct)
    {
        var windows = await PeriodWindowsAsync(caller, period, clientId, ct);
        var query = new SqlQuery();
        query.Build($"""
            SELECT w.client_id, t.tool, count(*)::int
            FROM unnest({query.Value(windows.Select(w => w.ClientId).ToArray())}::text[],
                        {query.Value(windows.Select(w => w.From).ToArray())}::timestamptz[],
                        {query.Value(windows.Select(w => w.To).ToArray())}::timestamptz[]) AS w(client_id, from_ts, to_ts)
            JOIN "UsageLog" u ON u."clientId" = w.client_id AND u."occurredAt" >= w.from_ts AND u."occurredAt" < w.to_ts
            CROSS JOIN LATERAL (SELECT DISTINCT unnest(u."toolsUsed") AS tool) t
            GROUP BY w.client_id, t.tool
            ORDER BY w.client_id, count(*) DESC, t.tool
            """);
        return await database.QueryAsync(query, r => new ToolUsageRow(r.GetString(0), period, r.GetString(1), r.GetInt32(2)), ct);
    }

    private sealed record Window(string ClientId, DateTimeOffset From, DateTimeOffset To);

    /// <summary>Each visible client's period <paramref name="period"/> as instants, computed by <see cref="BillingPeriod"/> in its zone.</summary>
    private async Task<List<Window>> PeriodWindowsAsync(Caller caller, string period, string? clientId, CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "\"clientId\"");
        if (clientId is not null)
        {
            query.Where("\"clientId\" = {0}", clientId);
        }
        query.Build($"""SELECT "clientId", "billingDay", "timeZone" FROM "Client" {query.WhereClause}""");
        var month = DateOnly.ParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return await database.QueryAsync(query, r =>
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(r.GetString(2));
            var start = month.AddDays(r.GetInt32(1) - 1);
            var billingPeriod = new BillingPeriod(start, start.AddMonths(1));
            return new Window(r.GetString(0), billingPeriod.StartsAt(zone), billingPeriod.EndsAt(zone));
        }, ct);
    }

    /// <summary>Per client, a period's invoice against Vapi's cost of the period's calls (see <see cref="MarginRow"/>).</summary>
    public async Task<MarginReport> MarginAsync(Caller caller, string period, CancellationToken ct)
    {
        var query = Scope(new SqlQuery(), caller, "i.\"clientId\"").Where("i.\"perioada\" = {0}", period);
        query.Build($"""
            SELECT i."clientId", i."clientName", i."currency", i."costMinute" + i."taxaFixa", i."minuteTotale", i."totalCalls", i."successfulCalls",
                   c."billingDay", c."timeZone", i."periodStart", i."periodEnd"
            FROM "Factura" i JOIN "Client" c ON c."clientId" = i."clientId" {query.WhereClause}
            ORDER BY i."clientId"
            """);
        var month = DateOnly.ParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        var invoices = await database.QueryAsync(query, r =>
        {
            var zone = TimeZoneInfo.FindSystemTimeZoneById(r.GetString(8));
            var start = r.IsDBNull(9) ? month.AddDays(r.GetInt32(7) - 1) : r.GetFieldValue<DateOnly>(9);
            var billingPeriod = new BillingPeriod(start, r.IsDBNull(10) ? start.AddMonths(1) : r.GetFieldValue<DateOnly>(10));
            return (ClientId: r.GetString(0), ClientName: NullableString(r, 1), Currency: r.GetString(2), Billed: r.GetDecimal(3),
                Minutes: r.GetDecimal(4), Calls: r.GetInt32(5), Successful: r.GetInt32(6), Period: billingPeriod,
                From: billingPeriod.StartsAt(zone), To: billingPeriod.EndsAt(zone));
        }, ct);

        var costs = new SqlQuery();
        costs.Build($"""
            SELECT w.client_id, coalesce(sum(u."vapiCost"), 0), count(*) FILTER (WHERE u."vapiCost" IS NULL)::int
            FROM unnest({costs.Value(invoices.Select(i => i.ClientId).ToArray())}::text[],
                        {costs.Value(invoices.Select(i => i.From).ToArray())}::timestamptz[],
                        {costs.Value(invoices.Select(i => i.To).ToArray())}::timestamptz[]) AS w(client_id, from_ts, to_ts)
            JOIN "UsageLog" u ON u."clientId" = w.client_id AND u."occurredAt" >= w.from_ts AND u."occurredAt" < w.to_ts
            GROUP BY w.client_id
            """);
        var vapiCosts = (await database.QueryAsync(costs, r => (ClientId: r.GetString(0), Usd: r.GetDecimal(1), Unknown: r.GetInt32(2)), ct))
            .ToDictionary(c => c.ClientId);

        var rates = await UsdRatesAsync(invoices.Select(i => i.Period.End.AddDays(-1)).DefaultIfEmpty(month).ToList(), ct);
        var missing = new HashSet<MissingRate>();
        var rows = invoices.Select(i =>
        {
            var (usd, unknown) = vapiCosts.TryGetValue(i.ClientId, out var c) ? (c.Usd, c.Unknown) : (0m, 0);
            var lastDay = i.Period.End.AddDays(-1);
            var rate = RateFor(rates, i.Currency, lastDay);
            if (rate is null)
            {
                missing.Add(new MissingRate("USD", i.Currency, lastDay));
            }
            var converted = rate is null ? (decimal?)null : Money.RoundLine(usd * rate.Rate);
            return new MarginRow(i.ClientId, i.ClientName, period, i.Currency, i.Billed, i.Minutes, i.Calls, i.Successful,
                i.Calls == 0 ? null : Math.Round((decimal)i.Successful / i.Calls, 4, Money.Rounding), usd, unknown, rate, converted,
                converted is null ? null : i.Billed - converted);
        }).ToList();
        return new MarginReport(period, rows, missing.OrderBy(m => m.QuoteCurrency).ThenBy(m => m.OnOrBefore).ToList());
    }

    /// <summary>How far back a reference rate may be used: NBR publishes on banking days only.</summary>
    public const int RateLookbackDays = 7;

    private async Task<List<RateUsed>> UsdRatesAsync(IReadOnlyCollection<DateOnly> days, CancellationToken ct)
    {
        var query = new SqlQuery();
        query.Build($"""
            SELECT "date", "currency", "quoteCurrency", "rate", "source" FROM "ExchangeRate"
            WHERE "currency" = 'USD' AND "date" >= {query.Value(days.Min().AddDays(-RateLookbackDays))} AND "date" <= {query.Value(days.Max())}
            ORDER BY "date" DESC
            """);
        return await database.QueryAsync(query, r => new RateUsed(r.GetFieldValue<DateOnly>(0), r.GetString(1), r.GetString(2), r.GetDecimal(3),
            r.GetString(4)), ct);
    }

    private static RateUsed? RateFor(List<RateUsed> usdRates, string currency, DateOnly lastDay) =>
        currency == "USD"
            ? new RateUsed(lastDay, "USD", "USD", 1m, "identity")
            : usdRates.FirstOrDefault(r => r.QuoteCurrency == currency && r.Date <= lastDay && r.Date > lastDay.AddDays(-RateLookbackDays));

    private static InvoiceRow ReadInvoice(NpgsqlDataReader r) => new(r.GetGuid(0), NullableString(r, 1), r.GetString(2), NullableString(r, 3),
        r.GetString(4), r.IsDBNull(5) ? null : r.GetFieldValue<DateOnly>(5), r.IsDBNull(6) ? null : r.GetFieldValue<DateOnly>(6), r.GetDecimal(7),
        r.GetInt32(8), r.GetInt32(9), r.GetDecimal(10), r.GetDecimal(11), r.GetDecimal(12), r.GetDecimal(13), r.GetString(14),
        ParseStatus(r.GetString(15)), r.GetFieldValue<DateOnly>(16), r.GetFieldValue<DateTimeOffset>(17), NullableInstant(r, 18), r.GetBoolean(19),
        r.GetFieldValue<DateTimeOffset>(20), r.GetDecimal(21), r.GetDecimal(22), r.GetDecimal(23), NullableDecimal(r, 24), NullableDecimal(r, 25),
        r.IsDBNull(26) ? null : r.GetFieldValue<DateOnly>(26), NullableString(r, 27), r.GetFieldValue<string[]>(28),
        NullableString(r, 29));

    private static decimal? NullableDecimal(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetDecimal(i);

    private static InvoiceStatus ParseStatus(string text) => TextEnum.Parse<InvoiceStatus>(text);

    private static string? NullableString(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset? NullableInstant(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetFieldValue<DateTimeOffset>(i);
}

/// <summary>A cursor that is malformed or belongs to another listing.</summary>
public sealed class InvalidCursorException() : Exception("The cursor is not valid for this listing.");
