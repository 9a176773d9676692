using System.Diagnostics;
using Billing.Domain.Invoicing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Bench;

/// <summary>
/// The billing cycle over a month of calls (10,000 clients with 200k, then 2M calls; --quick: 1,000 clients with
/// 200k, the same calls per client as 2M), beside the raw SQL floor in alternating rounds: one INSERT ... SELECT ...
/// GROUP BY over the same rows, priced with <see cref="PeriodPricing"/>'s SQL form as the cycle prices, into "Factura"
/// itself (same indexes, constraints and WAL as the cycle's insert) and, shown beside it, into an unindexed temporary
/// table (the bare aggregate). Calls are recorded through the epoch trigger, as in production; the table is vacuumed,
/// and every timed statement starts after a checkpoint, so no side pays for hint bits, autovacuum or the other's WAL.
/// </summary>
public sealed class CycleSuite : IBenchSuite
{
    public string Name => "cycle";
    public string Description => "Billing cycle wall time vs raw INSERT ... SELECT ... GROUP BY (target <= 2.5x at 20 calls per client, <= 1.6x at 200).";

    private static readonly DateTimeOffset RunAt = new(2025, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var clients = context.Quick ? 1_000 : 10_000;
        // --quick measures the 200 calls per client only: at 20 per client the floor takes a fraction of a second, too
        // little for a guard on loaded cores.
        int[] sizes = context.Quick ? [clients * 200] : [clients * 20, clients * 200];
        var rounds = context.Quick ? 2 : 3;
        await context.ExecuteAsync(BenchData.ClientsSql("bench_", clients, new DateOnly(2025, 11, 1)), ct);

        context.Report($"{clients:N0} clients, one month (November 2025, Europe/Bucharest) of calls spread over all clients " +
                       $"(BenchData, seed {BenchContext.Seed}); best of {rounds} alternating rounds per side.");
        context.Report("");
        context.Report("| calls | floor: INSERT ... SELECT ... GROUP BY into \"Factura\" | same into an unindexed temp table | billing cycle | cycle / floor | cycle / temp-table floor | invoices | allocated MB | peak working set MB |");
        context.Report("|---|---|---|---|---|---|---|---|---|");
        // Warm-up: a dry run over the clients (no calls yet) compiles the cycle's queries and code paths, so the timed
        // runs measure a warm host, as every timer run after the first one is.
        await using (var warmUp = context.BuildServices(new() { ["Billing:ReconciliationEnabled"] = "false" }))
        await using (var scope = warmUp.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<BillingCycle>().RunAsync(new BillingRunRequest(RunAt, "bench", DryRun: true), ct);
        }

        foreach (var calls in sizes)
        {
            await ResetInvoicesAsync(context, ct);
            await context.ExecuteAsync("""TRUNCATE "UsageLog" CASCADE""", ct);
            await context.ExecuteAsync(BenchData.CallsSql("bench_", clients, calls, new DateTimeOffset(2025, 10, 31, 22, 0, 0, TimeSpan.Zero), 2_591_990), ct);
            await context.ExecuteAsync("""VACUUM ANALYZE "UsageLog" """, ct);

            var (floor, bareFloor, cycle) = (TimeSpan.MaxValue, TimeSpan.MaxValue, TimeSpan.MaxValue);
            var (invoices, allocated) = (0, 0.0);
            await using var services = context.BuildServices(new() { ["Billing:ReconciliationEnabled"] = "false", ["Vapi:Webhook:AllowUnauthenticated"] = "true" });
            for (var round = 0; round < rounds; round++)
            {
                await ResetInvoicesAsync(context, ct);
                floor = Min(floor, await TimeAsync(context, () => context.ExecuteAsync(FloorSql("\"Factura\""), ct), ct));
                bareFloor = Min(bareFloor, await TimeAsync(context, () => context.ExecuteAsync(FloorSql("floor_invoice"), ct), ct));
                GC.Collect();
                var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                var elapsed = await TimeAsync(context, async () =>
                {
                    await using var scope = services.CreateAsyncScope();
                    invoices = (await scope.ServiceProvider.GetRequiredService<BillingCycle>().RunAsync(new BillingRunRequest(RunAt, "bench"), ct))
                        .InvoicesCreated;
                }, ct);
                if (elapsed < cycle)
                {
                    (cycle, allocated) = (elapsed, (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / 1024.0 / 1024.0);
                }
            }
            if (invoices != clients)
            {
                throw new InvalidOperationException($"The cycle issued {invoices} invoices for {clients} clients.");
            }
            var peak = Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0;

            context.Report($"| {calls:N0} | {floor.TotalSeconds:0.00} s | {bareFloor.TotalSeconds:0.00} s | {cycle.TotalSeconds:0.00} s | " +
                           $"{cycle / floor:0.00}x | {cycle / bareFloor:0.00}x | {invoices:N0} | {allocated:0} | {peak:0} |");
            var perClient = calls / clients;
            var name = $"billing cycle, {clients:N0} clients x {perClient} calls ({calls:N0})";
            var memory = $"allocated {allocated:0} MB, peak working set {peak:0} MB";
            context.Record(new Scenario(Name, name, cycle.TotalSeconds, "s", "INSERT ... SELECT ... GROUP BY into \"Factura\"", floor.TotalSeconds,
                perClient >= 200 ? new Target.RatioAtMost(1.6) : new Target.RatioAtMost(2.5),
                $"per-client work beyond the floor's aggregate (due-period listing, staging, numbering, late-usage probe, VAT lines); {memory}"));
            context.Record(new Scenario(Name, name + " vs bare aggregate", cycle.TotalSeconds, "s", "same into an unindexed temp table",
                bareFloor.TotalSeconds, new Target.None("the cost of \"Factura\"'s indexes and WAL, shown apart")));
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static async Task<TimeSpan> TimeAsync(BenchContext context, Func<Task> run, CancellationToken ct)
    {
        await context.ExecuteAsync("CHECKPOINT", ct);
        var stopwatch = Stopwatch.StartNew();
        await run();
        return stopwatch.Elapsed;
    }

    /// <summary>What a cycle wrote, so the next round issues the same invoices again from the same calls.</summary>
    private static Task ResetInvoicesAsync(BenchContext context, CancellationToken ct) => context.ExecuteAsync(
        """TRUNCATE "InvoiceLateUsage", "Factura", "InvoiceNumberSeries", "BillingRun", "OutboxMessage" CASCADE""", ct);

    /// <summary>The period's billable seconds and price in the cycle's own SQL forms, so the floor prices exactly as the cycle does.</summary>
    private static readonly string Seconds =
        $"COALESCE(sum({PeriodPricing.BillableSecondsSql("u.\"duration\"", "c.\"minuteRounding\"")}) FILTER (WHERE u.\"billable\"), 0)";

    private static readonly string Amount = PeriodPricing.MinutesAmountSql(Seconds, "c.\"includedMinutes\"", "c.\"costPerMinut\"");

    /// <summary>The same aggregate the cycle computes, into <paramref name="table"/>, in a transaction rolled back afterwards.</summary>
    private static string FloorSql(string table) => $$"""
        BEGIN;
        CREATE TEMP TABLE floor_invoice ON COMMIT DROP AS SELECT * FROM "Factura" WITH NO DATA;
        WITH ins AS (
            INSERT INTO {{table}} ("id", "clientId", "clientName", "perioada", "minuteTotale", "totalCalls", "successfulCalls",
                "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata", "currency", "status", "dueDate", "issuedAt", "reconciled",
                "createdAt", "updatedAt", "includedMinutes")
            SELECT gen_random_uuid(), c."clientId", c."clientName", '2025-11', round({{Seconds}} / 60, 4), count(*),
                   count(*) FILTER (WHERE u."outcome" = 'success'), {{Amount}}, c."taxaLunara", 0,
                   {{Amount}} + c."taxaLunara", 'RON', 'PENDING', date '2025-12-16', now(), true,
                   now(), now(), c."includedMinutes"
            FROM "UsageLog" u JOIN "Client" c ON c."clientId" = u."clientId"
            WHERE u."occurredAt" >= timestamptz '2025-10-31 22:00:00+00' AND u."occurredAt" < timestamptz '2025-11-30 22:00:00+00'
              AND NOT u."incomplete"
            GROUP BY c."clientId", c."clientName", c."costPerMinut", c."includedMinutes", c."taxaLunara", c."minuteRounding"
            RETURNING "id", "clientId")
        SELECT count(*) FROM ins;
        ROLLBACK;
        """;
}
