using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Billing.Domain.Parties;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Vat;

/// <summary>
/// Completes invoices just inserted by the cycle, inside its transaction, with a constant number of statements per
/// batch: copies both parties onto each invoice ("InvoiceParty"), chooses each line's VAT rate at its tax point,
/// computes the money with <see cref="VatComputation"/> (net, VAT, gross; the VAT breakdown), the VAT in RON for
/// another currency, the issue date in the issuer's zone, and the fields e-Factura still lacks ("missingFields").
/// Without an issuer nothing says whether VAT applies: the invoice keeps its prices as the amount to pay, with no
/// VAT, and is listed as not exportable for <c>issuer</c> (health says so).
/// </summary>
public sealed class InvoiceTaxes(BillingDbContext db, IOptions<VatOptions> options)
{
    /// <summary>An exchange rate older than this before the tax point is not used (a feed that stopped is a gap, not a rate).</summary>
    public const int ExchangeRateMaxAgeDays = 7;

    public const string Ron = "RON";

    public static class Missing
    {
        public const string Issuer = "issuer";
        public const string ExchangeRate = "vatExchangeRate";
        public const string BuyerPrefix = "buyer.";
        /// <summary>Invoices issued before VAT was computed (backfilled by the migration).</summary>
        public const string Vat = "vat";
    }

    /// <summary>The RON rate for the VAT of a non-RON invoice: the last rate communicated before the tax point's day, at most a week old.</summary>
    public static DateOnly? RateDay(IEnumerable<DateOnly> available, DateOnly taxPoint) =>
        available.Where(d => d < taxPoint && d >= taxPoint.AddDays(-ExchangeRateMaxAgeDays)).Select(d => (DateOnly?)d).Max();

    public async Task AssessAsync(IReadOnlyList<Guid> invoiceIds, DateTimeOffset issuedAt, CancellationToken ct)
    {
        if (invoiceIds.Count == 0)
        {
            return;
        }
        var ids = invoiceIds.ToArray();
        var issueDate = IssuerCalendar.DayOf(issuedAt);
        var rule = options.Value.TaxPoint;

        var issuer = await db.Issuers.AsNoTracking().SingleOrDefaultAsync(ct);
        if (issuer is not null
            && await new Sql(SellerSnapshotSql).With("ids", ids).With("issuer_updated_at", issuer.UpdatedAt).ExecuteAsync(db, ct) != ids.Length)
        {
            // Changed between the read and the copy: the whole batch is issued again by the next run, with the new one.
            throw new InvalidOperationException("The issuer changed while invoices were being issued; nothing was issued, the next run issues them.");
        }
        await new Sql(BuyerSnapshotSql).With("ids", ids).ExecuteAsync(db, ct);

        var invoices = await db.Invoices.AsNoTracking().Where(i => ids.Contains(i.Id))
            .Select(i => new { i.Id, i.ClientId, i.PeriodStart, i.PeriodEnd, i.FixedFee, i.MinutesAmount, i.Currency }).ToListAsync(ct);
        var buyers = await db.InvoiceParties.AsNoTracking().Where(p => ids.Contains(p.InvoiceId) && p.Role == PartyRole.Buyer)
            .ToDictionaryAsync(p => p.InvoiceId, ct);
        var clientIds = invoices.Select(i => i.ClientId).Distinct().ToList();
        var bases = await db.Clients.AsNoTracking().Where(c => clientIds.Contains(c.ClientId)).ToDictionaryAsync(c => c.ClientId, c => c.PriceBasis, ct);
        var late = (await (
                from l in db.InvoiceLateUsage.AsNoTracking()
                where ids.Contains(l.InvoiceId)
                join i in db.Invoices on l.InvoiceId equals i.Id
                from original in db.Invoices.Where(o => o.ClientId == i.ClientId && o.Period == l.OriginalPeriod).DefaultIfEmpty()
                select new { l.InvoiceId, l.OriginalPeriod, l.Amount, OriginalStart = (DateOnly?)original.PeriodStart, OriginalEnd = (DateOnly?)original.PeriodEnd })
            .ToListAsync(ct))
            // A period credited in full and invoiced again has two invoices with the same bounds: one line each still.
            .DistinctBy(l => (l.InvoiceId, l.OriginalPeriod))
            .OrderBy(l => l.OriginalPeriod, StringComparer.Ordinal).ToLookup(l => l.InvoiceId);
        var rates = await db.VatRates.AsNoTracking().ToListAsync(ct);

        var taxPoints = invoices.ToDictionary(i => i.Id, i => TaxPoint.Of(rule, Period(i.PeriodStart, i.PeriodEnd), issueDate));
        var foreign = invoices.Where(i => i.Currency != Ron).Select(i => i.Currency).Distinct().ToList();
        var earliest = taxPoints.Values.DefaultIfEmpty(issueDate).Min().AddDays(-ExchangeRateMaxAgeDays);
        var exchange = foreign.Count == 0 ? [] : await db.ExchangeRates.AsNoTracking()
            .Where(r => foreign.Contains(r.Currency) && r.QuoteCurrency == Ron && r.Date >= earliest).ToListAsync(ct);

        var updates = new List<InvoiceUpdate>();
        var breakdowns = new List<(Guid Invoice, VatBreakdown Breakdown, string? Code, string? Reason)>();
        var lateLines = new List<(Guid Invoice, string Period, decimal Net, decimal Rate, DateOnly TaxPoint)>();
        foreach (var invoice in invoices)
        {
            var buyer = buyers[invoice.Id];
            var missing = new List<string>();
            if (issuer is null)
            {
                missing.Add(Missing.Issuer);
            }
            missing.AddRange(BuyerOf(buyer).Missing().Select(m => Missing.BuyerPrefix + m));
            var taxPoint = taxPoints[invoice.Id];
            if (issuer is null)
            {
                updates.Add(new InvoiceUpdate(invoice.Id, issueDate, missing) { TaxPoint = taxPoint });
                continue;
            }

            var category = !issuer.VatPayer ? VatCategory.NotSubject : buyer.Country != PostalAddress.Romania ? VatCategory.ReverseCharge : VatCategory.Standard;
            decimal RateOn(DateOnly day) => category.ChargesVat() ? VatRates.InForce(rates, VatRateKind.Standard, day).Percent : 0m;
            var periodRate = RateOn(taxPoint);
            var lateOfInvoice = late[invoice.Id].Select(l => (l.OriginalPeriod, l.Amount,
                TaxPoint: TaxPoint.Of(rule, l.OriginalStart is { } s && l.OriginalEnd is { } e ? new BillingPeriod(s, e) : MonthOf(l.OriginalPeriod), issueDate)))
                .ToList();
            var lines = new List<TaxableLine> { new(invoice.FixedFee, category, periodRate), new(invoice.MinutesAmount, category, periodRate) };
            lines.AddRange(lateOfInvoice.Select(l => new TaxableLine(l.Amount, category, RateOn(l.TaxPoint))));
            var basis = bases[invoice.ClientId];
            var vat = VatComputation.Compute(lines, basis);

            decimal? ronRate = null, vatRon = null;
            DateOnly? rateDay = null;
            if (invoice.Currency != Ron)
            {
                var days = exchange.Where(r => r.Currency == invoice.Currency).ToDictionary(r => r.Date, r => r.Rate);
                rateDay = RateDay(days.Keys, taxPoint);
                if (rateDay is { } day)
                {
                    ronRate = days[day];
                    vatRon = vat.VatIn(days[day]);
                }
                else
                {
                    missing.Add(Missing.ExchangeRate);
                }
            }

            updates.Add(new InvoiceUpdate(invoice.Id, issueDate, missing)
            {
                Basis = basis,
                TaxPoint = taxPoint,
                Category = category.Code(),
                Rate = periodRate,
                FeeNet = vat.LineNets[0],
                MinutesNet = vat.LineNets[1],
                Net = vat.Net,
                Vat = vat.Vat,
                Gross = vat.Gross,
                VatRon = vatRon,
                RonRate = ronRate,
                RonRateDay = rateDay,
            });
            var (code, reason) = category switch
            {
                VatCategory.NotSubject => ("VATEX-EU-O", issuer.VatExemptionReason),
                VatCategory.ReverseCharge => ("VATEX-EU-AE", ReverseChargeText),
                _ => ((string?)null, (string?)null),
            };
            breakdowns.AddRange(vat.Breakdowns.Select(b => (invoice.Id, b, code, reason)));
            lateLines.AddRange(lateOfInvoice.Select((l, k) => (invoice.Id, l.OriginalPeriod, vat.LineNets[2 + k], lines[2 + k].RatePercent, l.TaxPoint)));
        }
        await WriteAsync(updates, breakdowns, lateLines, ct);
    }

    /// <summary>For health: whether an issuer is set, and how many invoices e-Factura cannot take yet.</summary>
    public async Task<(bool IssuerSet, int NotExportable)> HealthAsync(CancellationToken ct) =>
        (await db.Issuers.AnyAsync(ct), await db.Invoices.CountAsync(i => i.MissingFields.Length > 0, ct));

    /// <summary>Stated on a reverse-charge invoice (BT-120), in Romanian and English.</summary>
    public const string ReverseChargeText = "Taxare inversă / Reverse charge";

    private sealed record InvoiceUpdate(Guid Id, DateOnly IssueDate, List<string> Missing)
    {
        public PriceBasis? Basis { get; init; }
        public DateOnly TaxPoint { get; init; }
        public string? Category { get; init; }
        public decimal? Rate { get; init; }
        public decimal? FeeNet { get; init; }
        public decimal? MinutesNet { get; init; }
        public decimal? Net { get; init; }
        public decimal? Vat { get; init; }
        public decimal? Gross { get; init; }
        public decimal? VatRon { get; init; }
        public decimal? RonRate { get; init; }
        public DateOnly? RonRateDay { get; init; }
    }

    private async Task WriteAsync(List<InvoiceUpdate> updates, List<(Guid Invoice, VatBreakdown Breakdown, string? Code, string? Reason)> breakdowns,
        List<(Guid Invoice, string Period, decimal Net, decimal Rate, DateOnly TaxPoint)> lateLines, CancellationToken ct)
    {
        // Lines and breakdowns first: the invoice's own update is where the database checks that they add up.
        if (breakdowns.Count > 0)
        {
            await new Sql(InsertBreakdownsSql)
                .With("ids", breakdowns.Select(b => b.Invoice).ToArray())
                .With("categories", breakdowns.Select(b => b.Breakdown.Category.Code()).ToArray())
                .With("rates", breakdowns.Select(b => b.Breakdown.RatePercent).ToArray())
                .With("nets", breakdowns.Select(b => b.Breakdown.Net).ToArray())
                .With("vats", breakdowns.Select(b => b.Breakdown.Vat).ToArray())
                .With("codes", breakdowns.Select(b => b.Code).ToArray())
                .With("reasons", breakdowns.Select(b => b.Reason).ToArray())
                .ExecuteAsync(db, ct);
        }
        if (lateLines.Count > 0)
        {
            await new Sql(UpdateLateUsageSql)
                .With("ids", lateLines.Select(l => l.Invoice).ToArray())
                .With("periods", lateLines.Select(l => l.Period).ToArray())
                .With("nets", lateLines.Select(l => l.Net).ToArray())
                .With("rates", lateLines.Select(l => l.Rate).ToArray())
                .With("tax_points", lateLines.Select(l => l.TaxPoint).ToArray())
                .ExecuteAsync(db, ct);
        }
        await new Sql(UpdateInvoicesSql)
            .With("ids", updates.Select(u => u.Id).ToArray())
            .With("issue_dates", updates.Select(u => u.IssueDate).ToArray())
            .With("missing", updates.Select(u => string.Join(',', u.Missing)).ToArray())
            .With("bases", updates.Select(u => u.Basis is { } b ? TextEnum.ToText(b, TextCase.Lower) : null).ToArray())
            .With("tax_points", updates.Select(u => u.TaxPoint).ToArray())
            .With("categories", updates.Select(u => u.Category).ToArray())
            .With("rates", updates.Select(u => u.Rate).ToArray())
            .With("fee_nets", updates.Select(u => u.FeeNet).ToArray())
            .With("minutes_nets", updates.Select(u => u.MinutesNet).ToArray())
            .With("nets", updates.Select(u => u.Net).ToArray())
            .With("vats", updates.Select(u => u.Vat).ToArray())
            .With("grosses", updates.Select(u => u.Gross).ToArray())
            .With("vats_ron", updates.Select(u => u.VatRon).ToArray())
            .With("ron_rates", updates.Select(u => u.RonRate).ToArray())
            .With("ron_rate_days", updates.Select(u => u.RonRateDay).ToArray())
            .ExecuteAsync(db, ct);
    }

    public static BuyerDetails BuyerOf(InvoiceParty buyer) => new(buyer.LegalName, buyer.FiscalCode, buyer.TradeRegisterNumber,
        PostalAddress.FromColumns(buyer.Street, buyer.City, buyer.County, buyer.PostalCode, buyer.Country), buyer.Email);

    private static BillingPeriod Period(DateOnly? start, DateOnly? end) =>
        start is { } s && end is { } e ? new BillingPeriod(s, e) : throw new InvalidOperationException("An invoice of the cycle always has its period.");

    /// <summary>A late line whose original invoice predates period bounds: its calendar month.</summary>
    private static BillingPeriod MonthOf(string period)
    {
        var start = DateOnly.ParseExact(period + "-01", "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        return new BillingPeriod(start, start.AddMonths(1));
    }

    private const string SellerSnapshotSql = """
        INSERT INTO "InvoiceParty" ("facturaId", "role", "legalName", "fiscalCode", "vatId", "tradeRegisterNumber", "street", "city", "county",
                                    "postalCode", "country", "email", "phone", "iban", "bank", "vatOnReceipt")
        SELECT f.id, 'seller', i."legalName", i."fiscalCode", CASE WHEN i."vatPayer" THEN 'RO' || i."fiscalCode" END, i."tradeRegisterNumber",
               i."street", i."city", i."county", i."postalCode", i."country", i."email", i."phone", i."iban", i."bank", i."vatOnReceipt"
        FROM unnest(@ids::uuid[]) AS f(id)
        JOIN "Issuer" i ON i."updatedAt" = @issuer_updated_at
        """;

    // A buyer's VAT id (BT-48): a Romanian VAT payer's RO code, or a buyer abroad's own; a plain CUI or a person's zeros is its legal id only.
    private const string BuyerSnapshotSql = """
        INSERT INTO "InvoiceParty" ("facturaId", "role", "legalName", "fiscalCode", "vatId", "tradeRegisterNumber", "street", "city", "county",
                                    "postalCode", "country", "email", "vatOnReceipt")
        SELECT f."id", 'buyer', c."legalName", c."fiscalCode",
               CASE WHEN c."country" <> 'RO' OR c."fiscalCode" LIKE 'RO%' THEN c."fiscalCode" END,
               c."tradeRegisterNumber", c."street", c."city", c."county", c."postalCode", c."country", COALESCE(c."billingEmail", c."email"), false
        FROM "Factura" f JOIN "Client" c ON c."clientId" = f."clientId"
        WHERE f."id" = ANY(@ids)
        """;

    private const string UpdateInvoicesSql = """
        UPDATE "Factura" f
        SET "issueDate" = v.issue_date, "missingFields" = string_to_array(v.missing, ','), "priceBasis" = v.basis, "taxPoint" = v.tax_point,
            "vatCategory" = v.category, "vatRate" = v.rate, "fixedFeeNet" = v.fee_net, "minutesNet" = v.minutes_net,
            "netAmount" = v.net, "vatAmount" = v.vat, "grossAmount" = v.gross, "totalDePlata" = COALESCE(v.gross, f."totalDePlata"),
            "vatAmountRon" = v.vat_ron, "vatExchangeRate" = v.ron_rate, "vatExchangeRateDate" = v.ron_rate_day
        FROM unnest(@ids::uuid[], @issue_dates::date[], @missing::text[], @bases::text[], @tax_points::date[], @categories::text[], @rates::numeric[],
                    @fee_nets::numeric[], @minutes_nets::numeric[], @nets::numeric[], @vats::numeric[], @grosses::numeric[], @vats_ron::numeric[],
                    @ron_rates::numeric[], @ron_rate_days::date[])
            AS v(id, issue_date, missing, basis, tax_point, category, rate, fee_net, minutes_net, net, vat, gross, vat_ron, ron_rate, ron_rate_day)
        WHERE f."id" = v.id
        """;

    private const string InsertBreakdownsSql = """
        INSERT INTO "InvoiceVatBreakdown" ("facturaId", "category", "ratePercent", "netAmount", "vatAmount", "grossAmount", "exemptionReasonCode", "exemptionReason")
        SELECT v.id, v.category, v.rate, v.net, v.vat, v.net + v.vat, v.code, v.reason
        FROM unnest(@ids::uuid[], @categories::text[], @rates::numeric[], @nets::numeric[], @vats::numeric[], @codes::text[], @reasons::text[])
            AS v(id, category, rate, net, vat, code, reason)
        """;

    private const string UpdateLateUsageSql = """
        UPDATE "InvoiceLateUsage" l SET "net" = v.net, "vatRate" = v.rate, "taxPoint" = v.tax_point
        FROM unnest(@ids::uuid[], @periods::text[], @nets::numeric[], @rates::numeric[], @tax_points::date[]) AS v(id, period, net, rate, tax_point)
        WHERE l."facturaId" = v.id AND l."originalPeriod" = v.period
        """;
}
