using Billing.Domain.Common;
using Billing.Domain.Data;

namespace Billing.Domain.Invoicing;

/// <summary>
/// Calls of already invoiced periods that were recorded after their invoice (late webhooks, reconciliation), billed
/// on the client's next invoice, one line per original period (docs/decisions/0006).
/// </summary>
internal static class LateUsage
{
    /// <summary>
    /// Each client's late calls through its own range of IX_UsageLog_late. OFFSET 0 keeps the subquery a per-client
    /// index probe: flattened, the planner hash-joins the whole table, since it cannot tell that the epoch range
    /// after a client's last invoice is narrow. Clients with no invoiced period are not probed at all.
    /// </summary>
    private const string LateCallsSql = """
        SELECT f.client_id, u."occurredAt", u."billableSeconds", u."cost", u."billable"
        FROM unnest(@client_ids::text[], @late_from::timestamptz[], @late_before::timestamptz[], @after_epoch::bigint[])
            AS f(client_id, late_from, late_before, after_epoch)
        CROSS JOIN LATERAL (
            SELECT u."occurredAt", u."billableSeconds", u."cost", u."billable" FROM "UsageLog" u
            WHERE u."clientId" = f.client_id AND u."billingEpoch" > f.after_epoch AND u."billingEpoch" <= @epoch
              AND u."occurredAt" >= f.late_from AND u."occurredAt" < f.late_before AND NOT u."incomplete"
            OFFSET 0) u
        WHERE f.late_from < f.late_before
        """;

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
            .ListAsync(db, r => (ClientId: r.GetString(0), OccurredAt: r.GetFieldValue<DateTimeOffset>(1), Seconds: r.GetDecimal(2),
                Cost: r.GetDecimal(3), Billable: r.GetBoolean(4)), ct);
        var clients = firstDue.ToDictionary(d => d.Client.ClientId);
        return calls.GroupBy(c => c.ClientId).ToDictionary(g => g.Key, IReadOnlyList<LateUsageLine> (g) =>
        {
            var due = clients[g.Key];
            return g.GroupBy(c => BillingPeriod.Containing(c.OccurredAt, due.Client.BillingDay, due.Zone).Key)
                .OrderBy(p => p.Key, StringComparer.Ordinal)
                .Select(p => new LateUsageLine(p.Key, p.Count(),
                    Math.Round(p.Where(c => c.Billable).Sum(c => c.Seconds) / 60m, 4, MidpointRounding.AwayFromZero),
                    Money.RoundLine(p.Where(c => c.Billable).Sum(c => c.Cost))))
                .ToList();
        });
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
