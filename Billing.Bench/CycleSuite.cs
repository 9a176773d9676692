using System.Diagnostics;
using Billing.Domain.Invoicing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Bench;

/// <summary>
/// The billing cycle over 10,000 clients and a month of calls (200k, then 2M), beside the raw SQL floor in the same
/// run: one INSERT ... SELECT ... GROUP BY over the same rows, into "Factura" itself (same indexes, constraints and
/// WAL as the cycle's insert) and into an unindexed temporary table (the bare aggregate). Calls are recorded through
/// the epoch trigger, as in production, and the table is vacuumed and checkpointed before anything is timed, so no
/// side pays for hint bits or autovacuum left over from seeding.
/// </summary>
public sealed class CycleSuite : IBenchSuite
{
    private const int Clients = 10_000;

    public string Name => "cycle";
    public string Description => "Billing cycle wall time and memory vs raw INSERT ... SELECT ... GROUP BY (target <= 2x).";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        int[] sizes = context.Quick ? [20_000, 200_000] : [200_000, 2_000_000];
        await context.ExecuteAsync($"""
            INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut", "billingStartDate")
            SELECT 'bench_' || lpad(g::text, 5, '0'), 'Bench ' || g, 100 + g % 900, 0.30 + (g % 50) / 100.0, date '2025-11-01'
            FROM generate_series(1, {Clients}) g;
            INSERT INTO "ClientAssistant" ("kind", "vapiId", "clientId")
            SELECT 'assistant', 'asst_bench_' || lpad(g::text, 5, '0'), 'bench_' || lpad(g::text, 5, '0') FROM generate_series(1, {Clients}) g;
            """, ct);

        context.Report($"10,000 clients, one month (November 2025, Europe/Bucharest) of calls spread over all clients.");
        context.Report("");
        context.Report("| calls | floor: INSERT ... SELECT ... GROUP BY into \"Factura\" | same into an unindexed temp table | billing cycle | cycle / floor | cycle / temp-table floor | invoices | allocated MB | peak working set MB |");
        context.Report("|---|---|---|---|---|---|---|---|---|");
        // Warm-up: a dry run over the clients (no calls yet) compiles the cycle's queries and code paths, so the timed
        // runs measure a warm host, as every timer run after the first one is.
        await using (var warmUp = context.BuildServices(new() { ["Billing:ReconciliationEnabled"] = "false" }))
        await using (var scope = warmUp.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<BillingCycle>()
                .RunAsync(new BillingRunRequest(new DateTimeOffset(2025, 12, 1, 12, 0, 0, TimeSpan.Zero), "bench", DryRun: true), ct);
        }

        foreach (var calls in sizes)
        {
            await context.ExecuteAsync("""TRUNCATE "InvoiceLateUsage", "Factura", "UsageLog", "InvoiceNumberSeries", "BillingRun" CASCADE""", ct);
            await context.ExecuteAsync($"""
                INSERT INTO "UsageLog" ("callId", "clientId", "vapiAssistantId", "startedAt", "endedAt", "duration", "billableSeconds",
                    "durationMinutes", "toolsUsed", "cost", "vapiCost", "endedReason", "outcome", "billable", "incomplete", "source")
                SELECT 'bench-call-' || g, 'bench_' || lpad((1 + g % {Clients})::text, 5, '0'),
                       'asst_bench_' || lpad((1 + g % {Clients})::text, 5, '0'),
                       timestamptz '2025-10-31 22:00:00+00' + (g % 2591990) * interval '1 second',
                       timestamptz '2025-10-31 22:00:00+00' + (g % 2591990 + 10 + g % 290) * interval '1 second',
                       10 + g % 290, ceil((10 + g % 290) / 60.0) * 60, ceil((10 + g % 290) / 60.0), ARRAY[]::text[],
                       ceil((10 + g % 290) / 60.0) * 0.5, 0.05, 'customer-ended-call', 'success', true, false, 'webhook'
                FROM generate_series(1, {calls}) g;
                """, ct);
            await context.ExecuteAsync("""VACUUM ANALYZE "UsageLog" """, ct);
            await context.ExecuteAsync("CHECKPOINT", ct);

            // Best of three for each floor: the floor gets every benefit of the doubt, the cycle runs once.
            var floor = await BestOfThreeAsync(context, FloorSql("\"Factura\""), ct);
            var bareFloor = await BestOfThreeAsync(context, FloorSql("floor_invoice"), ct);

            await using var services = context.BuildServices(new() { ["Billing:ReconciliationEnabled"] = "false", ["Vapi:Webhook:AllowUnauthenticated"] = "true" });
            GC.Collect();
            var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
            var stopwatch = Stopwatch.StartNew();
            await using var scope = services.CreateAsyncScope();
            var summary = await scope.ServiceProvider.GetRequiredService<BillingCycle>()
                .RunAsync(new BillingRunRequest(new DateTimeOffset(2025, 12, 1, 12, 0, 0, TimeSpan.Zero), "bench"), ct);
            var cycle = stopwatch.Elapsed;
            var allocated = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1024.0 / 1024.0;
            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;

            context.Report($"| {calls:N0} | {floor.TotalSeconds:0.00} s | {bareFloor.TotalSeconds:0.00} s | {cycle.TotalSeconds:0.00} s | " +
                           $"{cycle / floor:0.00}x | {cycle / bareFloor:0.00}x | {summary.InvoicesCreated:N0} | {allocated:0} | {peak:0} |");
        }
    }

    /// <summary>The period's price in the cycle's own SQL form, so the floor prices exactly as the cycle does.</summary>
    private static readonly string Amount = PeriodPricing.MinutesAmountSql("sum(u.\"billableSeconds\")", "c.\"includedMinutes\"", "c.\"costPerMinut\"");

    /// <summary>The same aggregate the cycle computes, into <paramref name="table"/>, in a transaction rolled back afterwards.</summary>
    private static string FloorSql(string table) => $$"""
        BEGIN;
        CREATE TEMP TABLE floor_invoice ON COMMIT DROP AS SELECT * FROM "Factura" WITH NO DATA;
        WITH ins AS (
            INSERT INTO {{table}} ("id", "clientId", "clientName", "perioada", "minuteTotale", "totalCalls", "successfulCalls",
                "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata", "currency", "status", "dueDate", "issuedAt", "reconciled",
                "createdAt", "updatedAt", "includedMinutes")
            SELECT gen_random_uuid(), c."clientId", c."clientName", '2025-11', round(sum(u."billableSeconds") / 60, 4), count(*),
                   count(*) FILTER (WHERE u."outcome" = 'success'), {{Amount}}, c."taxaLunara", 0,
                   {{Amount}} + c."taxaLunara", 'RON', 'PENDING', date '2025-12-16', now(), true,
                   now(), now(), 0
            FROM "UsageLog" u JOIN "Client" c ON c."clientId" = u."clientId"
            WHERE u."occurredAt" >= timestamptz '2025-10-31 22:00:00+00' AND u."occurredAt" < timestamptz '2025-11-30 22:00:00+00'
            GROUP BY c."clientId", c."clientName", c."costPerMinut", c."includedMinutes", c."taxaLunara"
            RETURNING "id", "clientId")
        SELECT count(*) FROM ins;
        ROLLBACK;
        """;

    private static async Task<TimeSpan> BestOfThreeAsync(BenchContext context, string sql, CancellationToken ct)
    {
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            await context.ExecuteAsync(sql, ct);
            best = stopwatch.Elapsed < best ? stopwatch.Elapsed : best;
        }
        return best;
    }
}
