using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Usage;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Invoicing;

/// <summary>
/// Calls of already invoiced periods that were recorded after their invoice (late webhooks, reconciliation), billed
/// on the client's next invoice, one line per original period (docs/decisions/0006). A line's amount is what its
/// period's price over all its calls, with that period's terms, adds to what was already invoiced for it
/// (<see cref="PeriodPricing.LateAmount"/>): late calls that still fit in the included minutes cost nothing.
/// </summary>
internal static class LateUsage
{
    /// <summary>
    /// Each client's late calls through its own range of IX_UsageLog_late. OFFSET 0 keeps the subquery a per-client
    /// index probe: flattened, the planner hash-joins the whole table, since it cannot tell that the epoch range
    /// after a client's last invoice is narrow. Clients with no invoiced period are not probed at all.
    /// </summary>
    private const string LateCallsSql = """
        SELECT f.client_id, u."occurredAt", u."duration", u."billable"
        FROM unnest(@client_ids::text[], @late_from::timestamptz[], @late_before::timestamptz[], @after_epoch::bigint[])
            AS f(client_id, late_from, late_before, after_epoch)
        CROSS JOIN LATERAL (
            SELECT u."occurredAt", u."duration", u."billable" FROM "UsageLog" u
            WHERE u."clientId" = f.client_id AND u."billingEpoch" > f.after_epoch AND u."billingEpoch" <= @epoch
              AND u."occurredAt" >= f.late_from AND u."occurredAt" < f.late_before AND NOT u."incomplete"
            OFFSET 0) u
        WHERE f.late_from < f.late_before
        """;

    /// <summary>Billable seconds of all the calls of each late period (invoiced and late), by that period's rounding.</summary>
    private static readonly string PeriodSecondsSql = $"""
        SELECT p.n, COALESCE(sum({PeriodPricing.BillableSecondsSql("u.\"duration\"", "p.rounding")}), 0)
        FROM unnest(@client_ids::text[], @from_ts::timestamptz[], @to_ts::timestamptz[], @roundings::text[]) WITH ORDINALITY
            AS p(client_id, from_ts, to_ts, rounding, n)
        LEFT JOIN "UsageLog" u ON u."clientId" = p.client_id AND u."occurredAt" >= p.from_ts AND u."occurredAt" < p.to_ts
                              AND u."billable" AND NOT u."incomplete" AND u."billingEpoch" <= @epoch
        GROUP BY p.n
        """;

    private sealed record LatePeriod(DuePeriod Due, BillingPeriod Period, List<(decimal Duration, bool Billable)> Calls)
    {
        public decimal Included { get; set; }
        public decimal Rate { get; set; }
        public MinuteRounding Rounding { get; set; }
        public decimal AlreadyInvoiced { get; set; }
    }

    /// <summary>The late-usage lines of each client of <paramref name="firstDue"/> (its first due period this run).</summary>
    public static async Task<Dictionary<string, IReadOnlyList<LateUsageLine>>> FindAsync(BillingDbContext db, List<DuePeriod> firstDue, long epoch,
        CancellationToken ct)
    {
        var calls = await new Sql(LateCallsSql)
            .With("client_ids", firstDue.Select(d => d.Client.ClientId).ToArray())
            .With("late_from", firstDue.Select(d => d.LateFrom).ToArray())
            .With("late_before", firstDue.Select(d => d.LateBefore).ToArray())
            .With("after_epoch", firstDue.Select(d => d.LateAfterEpoch).ToArray())
            .With("epoch", epoch)
            .ListAsync(db, r => (ClientId: r.GetString(0), OccurredAt: r.GetFieldValue<DateTimeOffset>(1), Duration: r.GetDecimal(2),
                Billable: r.GetBoolean(3)), ct);
        if (calls.Count == 0)
        {
            return [];
        }
        var clients = firstDue.ToDictionary(d => d.Client.ClientId);
        var periods = calls.GroupBy(c => (c.ClientId, Period: clients[c.ClientId].History.PeriodContaining(c.OccurredAt, clients[c.ClientId].Client.BillingDay)))
            .Select(g => new LatePeriod(clients[g.Key.ClientId], g.Key.Period, g.Select(c => (c.Duration, c.Billable)).ToList()))
            .ToList();
        await ReadTermsAndInvoicedAsync(db, periods, ct);

        var seconds = await new Sql(PeriodSecondsSql)
            .With("client_ids", periods.Select(p => p.Due.Client.ClientId).ToArray())
            .With("from_ts", periods.Select(p => p.Due.History.Window(p.Period).From).ToArray())
            .With("to_ts", periods.Select(p => p.Due.History.Window(p.Period).To).ToArray())
            .With("roundings", periods.Select(p => TextEnum.ToText(p.Rounding, TextCase.Lower)).ToArray())
            .With("epoch", epoch)
            .ListAsync(db, r => (N: r.GetInt64(0), Seconds: r.GetDecimal(1)), ct);
        var allSeconds = seconds.ToDictionary(s => (int)s.N - 1, s => s.Seconds);

        return periods.Select((p, n) => (p, Line: new LateUsageLine(p.Period.Key, p.Calls.Count,
                PeriodPricing.Minutes(p.Calls.Where(c => c.Billable).Sum(c => PeriodPricing.BillableSeconds(c.Duration, p.Rounding))),
                PeriodPricing.LateAmount(allSeconds[n], p.Included, p.Rate, p.AlreadyInvoiced))))
            .GroupBy(x => x.p.Due.Client.ClientId)
            .ToDictionary(g => g.Key, IReadOnlyList<LateUsageLine> (g) => g.Select(x => x.Line).OrderBy(l => l.OriginalPeriod, StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Each late period's terms: those its invoice stored (an invoice issued before terms were effective-dated lacks the
    /// rounding: its period's terms row gives it), else, for a period without an invoice, its terms row. What was
    /// invoiced for it: its invoice's minutes amount and every earlier late-usage line of the same period.
    /// </summary>
    private static async Task ReadTermsAndInvoicedAsync(BillingDbContext db, List<LatePeriod> periods, CancellationToken ct)
    {
        var clientIds = periods.Select(p => p.Due.Client.ClientId).Distinct().ToList();
        var keys = periods.Select(p => p.Period.Key).Distinct().ToList();
        var invoices = await db.Invoices.AsNoTracking().Where(i => clientIds.Contains(i.ClientId) && keys.Contains(i.Period))
            .Select(i => new { i.ClientId, i.Period, i.IncludedMinutes, i.PricePerMinute, i.MinuteRounding, i.MinutesAmount, i.Status })
            .ToListAsync(ct);
        var lateBilled = await db.InvoiceLateUsage.AsNoTracking()
            .Join(db.Invoices.Where(i => i.Status != InvoiceStatus.Cancelled), l => l.InvoiceId, i => i.Id, (l, i) => new { i.ClientId, l.OriginalPeriod, l.Amount })
            .Where(l => clientIds.Contains(l.ClientId) && keys.Contains(l.OriginalPeriod))
            .GroupBy(l => new { l.ClientId, l.OriginalPeriod }).Select(g => new { g.Key.ClientId, g.Key.OriginalPeriod, Amount = g.Sum(l => l.Amount) })
            .ToListAsync(ct);
        foreach (var p in periods)
        {
            var terms = p.Due.History.AtPeriodStart(p.Period.Start);
            // A period credited in full may have its cancelled invoice and the one issued again: the latter counts.
            var invoice = invoices.Where(i => i.ClientId == p.Due.Client.ClientId && i.Period == p.Period.Key)
                .OrderBy(i => i.Status == InvoiceStatus.Cancelled).FirstOrDefault();
            p.Included = invoice?.IncludedMinutes ?? terms.IncludedMinutes;
            p.Rate = invoice?.PricePerMinute ?? terms.PricePerMinute;
            p.Rounding = invoice?.MinuteRounding ?? terms.MinuteRounding;
            p.AlreadyInvoiced = (invoice?.MinutesAmount ?? 0m)
                                + (lateBilled.SingleOrDefault(l => l.ClientId == p.Due.Client.ClientId && l.OriginalPeriod == p.Period.Key)?.Amount ?? 0m);
        }
    }

    public static Task RecordAsync(BillingDbContext db, Guid invoiceId, IReadOnlyList<LateUsageLine> late, CancellationToken ct) =>
        new Sql("""
            INSERT INTO "InvoiceLateUsage" ("facturaId", "originalPeriod", "calls", "minutes", "amount")
            SELECT @invoice_id, * FROM unnest(@periods::text[], @calls::int[], @minutes::numeric[], @amounts::numeric[])
            """)
            .With("invoice_id", invoiceId)
            .With("periods", late.Select(l => l.OriginalPeriod).ToArray())
            .With("calls", late.Select(l => l.Calls).ToArray())
            .With("minutes", late.Select(l => l.Minutes).ToArray())
            .With("amounts", late.Select(l => l.Amount).ToArray())
            .ExecuteAsync(db, ct);
}
