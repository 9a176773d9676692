using System.Globalization;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Domain.Invoicing;

/// <summary>
/// Issues the invoices of one batch of due periods in one transaction, with one set-based statement: the due periods
/// are staged with the terms in force at each one's start, each period's calls summed, priced with those terms
/// (<see cref="PeriodPricing"/>) and numbered (<see cref="InvoiceNumbers"/>) in the INSERT, which stores every term it
/// used on the invoice; each issued invoice's e-mail is queued in the outbox by the same statement
/// (<see cref="InvoiceEmail.OutboxCte"/>), so an invoice and its e-mail commit together. A dry run rolls it back; a
/// preview (an open period, which no run invoices) neither waits for the
/// cycle's lock nor takes a number.
/// </summary>
public sealed class InvoiceIssuer(BillingDbContext db, NpgsqlDataSource dataSource, InvoiceNumbers numbering, InvoiceTaxes taxes)
{
    /// <summary>Serialises billing runs across instances; transaction-scoped, so it also works behind PgBouncer.</summary>
    private const long CycleLockKey = 0x42_696C_6C69_6E67; // "Billing"

    /// <summary>
    /// The batch's due periods, staged in a temporary table with statistics, so the planner joins 10,000 of them with
    /// hash joins; as an unnest of parameters it guesses a handful of rows and nested-loops the whole batch.
    /// </summary>
    private const string StageDueSql = """
        CREATE TEMP TABLE billing_due ON COMMIT DROP AS
        SELECT * FROM unnest(@client_ids::text[], @periods::text[], @period_starts::date[], @period_ends::date[], @from_ts::timestamptz[],
                             @to_ts::timestamptz[], @fees::numeric[], @due_dates::date[], @late_amounts::numeric[], @terms_from::date[],
                             @monthly_fees::numeric[], @rates::numeric[], @included::numeric[], @roundings::text[], @currencies::text[],
                             @zones::text[])
            AS d(client_id, period, period_start, period_end, from_ts, to_ts, fee, due_date, late_amount, terms_from,
                 monthly_fee, rate, included, rounding, currency, zone)
        """;

    private static readonly string InsertInvoicesSql = $"""
        WITH due AS (
            SELECT * FROM billing_due
        ), usage AS (
            SELECT d.client_id, d.period,
                   count(u."id") AS calls,
                   count(u."id") FILTER (WHERE u."outcome" = 'success') AS successful,
                   -- Each call's duration rounded by the period's terms, not as recorded: the rounding of an open
                   -- period can change after its first calls (docs/decisions/0002).
                   COALESCE(sum({PeriodPricing.BillableSecondsSql("u.\"duration\"", "d.rounding")}) FILTER (WHERE u."billable"), 0) AS seconds
            FROM due d
            LEFT JOIN "UsageLog" u ON u."clientId" = d.client_id AND u."occurredAt" >= d.from_ts AND u."occurredAt" < d.to_ts
                                  AND NOT u."incomplete" AND u."billingEpoch" <= @epoch
            GROUP BY d.client_id, d.period
        ), ins AS (
            INSERT INTO "Factura" ("clientId", "clientName", "perioada", "periodStart", "periodEnd", "minuteTotale", "totalCalls",
                "successfulCalls", "includedMinutes", "costPerMinut", "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata",
                "currency", "status", "dueDate", "issuedAt", "vapiAssistantId", "reconciled", "billingRunId", "usageEpoch", "usageFrom", "usageTo",
                "taxaLunara", "minuteRounding", "timeZone", "termsFrom", "number")
            SELECT d.client_id, c."clientName", d.period, d.period_start, d.period_end, round(u.seconds / 60, 4), u.calls,
                   u.successful, d.included, d.rate, m.amount, d.fee, d.late_amount, m.amount + d.fee + d.late_amount,
                   d.currency, 'PENDING', d.due_date, @issued_at,
                   (SELECT a."vapiId" FROM "ClientAssistant" a WHERE a."clientId" = c."clientId" AND a."kind" = 'assistant'
                    ORDER BY a."createdAt", a."vapiId" LIMIT 1),
                   @reconciled, @run_id, @epoch, d.from_ts, d.to_ts, d.monthly_fee, d.rounding, d.zone, d.terms_from,
                   -- Numbered in (period start, client) order from the series' free numbers (NULL for a preview), at
                   -- least 6 digits and never cut: 1000000 follows 999999.
                   @number_prefix || to_char((@free_numbers::bigint[])[row_number() OVER (ORDER BY d.period_start, d.client_id)], 'FM999999999999000000')
            FROM due d
            JOIN "Client" c ON c."clientId" = d.client_id
            JOIN usage u ON u.client_id = d.client_id AND u.period = d.period
            CROSS JOIN LATERAL (SELECT {PeriodPricing.MinutesAmountSql("u.seconds", "d.included", "d.rate")} AS amount) m
            -- Periods another run invoiced since this one listed them; skipped here so they take no number.
            WHERE NOT EXISTS (SELECT 1 FROM "Factura" f WHERE f."clientId" = d.client_id AND f."perioada" = d.period)
            ON CONFLICT ("clientId", "perioada") WHERE "status" <> 'CANCELLED' DO NOTHING
            RETURNING "id", "clientId", "perioada", "number"
        ), {InvoiceEmail.OutboxCte("@issued_at")}
        SELECT "id", "clientId", "perioada", "number" FROM ins
        """;

    /// <summary>The statement the last <see cref="IssueAsync"/> was at (late usage, numbering, invoice insert, taxes), to
    /// name a failure's cause.</summary>
    public string? Statement { get; private set; }

    public async Task<(List<InvoiceDraft> Drafts, int Skipped)> IssueAsync(IReadOnlyList<DuePeriod> due, BillingRun run, DateTimeOffset issuedAt,
        bool reconciled, bool dryRun, CancellationToken ct, bool preview = false)
    {
        if (due.Count == 0)
        {
            return ([], 0);
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);

        // The calls this batch bills: epochs up to one closed now, under the cycle's lock, so each client's invoices
        // count ever later epochs. A preview counts every call recorded so far.
        var epoch = long.MaxValue;
        if (!preview)
        {
            await new Sql($"SELECT pg_advisory_xact_lock({CycleLockKey})").ExecuteAsync(db, ct);
            epoch = await BillingEpochs.CloseAsync(dataSource, ct);
        }
        if (dryRun)
        {
            db.BillingRuns.Add(run);
            await db.SaveChangesAsync(ct);
        }

        // Late usage: calls of already invoiced periods, billed on each client's first invoice of this run.
        var firstDue = due.GroupBy(d => d.Client.ClientId).Select(g => g.First()).ToList();
        var firstDueSet = firstDue.ToHashSet(ReferenceEqualityComparer.Instance);
        Statement = "late usage";
        var late = await LateUsage.FindAsync(db, firstDue, epoch, ct);

        Statement = "numbering";
        var numbers = preview ? null : await numbering.TakeAsync(issuedAt, due.Count, ct);
        await new Sql(StageDueSql)
            .With("client_ids", due.Select(d => d.Client.ClientId).ToArray())
            .With("periods", due.Select(d => d.Period.Key).ToArray())
            .With("period_starts", due.Select(d => d.Period.Start).ToArray())
            .With("period_ends", due.Select(d => d.Period.End).ToArray())
            .With("from_ts", due.Select(d => d.UsageFrom).ToArray())
            .With("to_ts", due.Select(d => d.UsageTo).ToArray())
            .With("fees", due.Select(d => d.Fee).ToArray())
            .With("due_dates", due.Select(d => d.DueDate).ToArray())
            .With("late_amounts", due.Select(d => firstDueSet.Contains(d) && late.TryGetValue(d.Client.ClientId, out var l) ? l.Sum(x => x.Amount) : 0m)
                .ToArray())
            .With("terms_from", due.Select(d => d.Terms.EffectiveFrom).ToArray())
            .With("monthly_fees", due.Select(d => d.Terms.MonthlyFee).ToArray())
            .With("rates", due.Select(d => d.Terms.PricePerMinute).ToArray())
            .With("included", due.Select(d => d.Terms.IncludedMinutes).ToArray())
            .With("roundings", due.Select(d => TextEnum.ToText(d.Terms.MinuteRounding, TextCase.Lower)).ToArray())
            .With("currencies", due.Select(d => d.Terms.Currency).ToArray())
            .With("zones", due.Select(d => d.Terms.TimeZone).ToArray())
            .ExecuteAsync(db, ct);
        await new Sql("ANALYZE billing_due").ExecuteAsync(db, ct);
        Statement = "invoice insert";
        var inserted = await new Sql(InsertInvoicesSql)
            .With("issued_at", issuedAt).With("reconciled", reconciled).With("run_id", run.Id).With("epoch", epoch)
            .With("free_numbers", numbers?.Free).With("number_prefix", numbers?.Prefix)
            .ListAsync(db, r => (Id: r.GetGuid(0), ClientId: r.GetString(1), Period: r.GetString(2), Number: r.IsDBNull(3) ? null : r.GetString(3)), ct);

        var insertedIds = inserted.ToDictionary(i => (i.ClientId, i.Period), i => i.Id);
        foreach (var first in firstDue)
        {
            if (late.TryGetValue(first.Client.ClientId, out var lateUsage) && insertedIds.TryGetValue((first.Client.ClientId, first.Period.Key), out var invoiceId))
            {
                await LateUsage.RecordAsync(db, invoiceId, lateUsage, ct);
            }
        }
        if (numbers is not null)
        {
            await numbering.AdvanceAsync(numbers, inserted.Select(i => i.Number!).ToList(), ct);
        }

        var ids = inserted.Select(i => i.Id).ToList();
        Statement = "taxes";
        // VAT, the party copies and what e-Factura still lacks, in this transaction (Vat/InvoiceTaxes).
        await taxes.AssessAsync(ids, issuedAt, ct);
        var drafts = await db.Invoices.AsNoTracking().Include(i => i.LateUsage).Where(i => ids.Contains(i.Id))
            .OrderBy(i => i.PeriodStart).ThenBy(i => i.ClientId) // the numbering order
            .Select(i => new InvoiceDraft(i.Id, i.Number, i.ClientId, i.Period, i.PeriodStart, i.PeriodEnd, i.Minutes, i.TotalCalls,
                i.SuccessfulCalls, i.MinutesAmount, i.FixedFee, i.LateUsageAmount, i.Total, i.Currency, i.DueDate, i.Reconciled,
                i.LateUsage.OrderBy(l => l.OriginalPeriod).Select(l => new LateUsageLine(l.OriginalPeriod, l.Calls, l.Minutes, l.Amount)).ToList()))
            .ToListAsync(ct);

        if (dryRun)
        {
            await transaction.RollbackAsync(ct);
            db.ChangeTracker.Clear();
        }
        else
        {
            await transaction.CommitAsync(ct);
        }
        return (drafts, due.Count - inserted.Count);
    }
}
