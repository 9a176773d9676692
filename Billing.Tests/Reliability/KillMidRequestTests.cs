using Billing.Domain.Data;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Tests.Reliability;

/// <summary>
/// Kill mid-request, deterministically: a session holds a lock the work waits on, the test finds the waiting backend
/// and terminates it (<c>pg_terminate_backend</c>, 57P01, as an administrator or a failover would). The webhook answers
/// 503 with Retry-After and stores nothing; its redelivery stores one row. The cycle stops with nothing half-written and
/// its rerun numbers without a gap.
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait("Category", "Reliability")]
public sealed class KillMidRequestTests(ReliabilityDatabase fixture) : IClassFixture<ReliabilityDatabase>
{
    private readonly TestDatabase _database = fixture.Database;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Terminates the backend that waits for a lock <paramref name="holder"/> holds (found by pg_blocking_pids).</summary>
    private async Task TerminateWaiterAsync(NpgsqlConnection holder)
    {
        await using var watcher = await _database.OpenConnectionAsync();
        await using var find = new NpgsqlCommand("""
            SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND $1 = ANY(pg_blocking_pids(pid)) LIMIT 1
            """, watcher);
        find.Parameters.Add(new NpgsqlParameter<int> { TypedValue = holder.ProcessID });
        for (var attempt = 0; attempt < 400; attempt++)
        {
            if (await find.ExecuteScalarAsync() is int pid)
            {
                await using var kill = new NpgsqlCommand("SELECT pg_terminate_backend($1)", watcher);
                kill.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pid });
                Assert.True((bool)(await kill.ExecuteScalarAsync())!);
                ReliabilityReport.Add("faults injected: pg_terminate_backend of a waiting backend", 1);
                return;
            }
            await Task.Delay(25);
        }
        Assert.Fail($"No backend waited for a lock of backend {holder.ProcessID}.");
    }

    [Fact]
    public async Task A_webhook_whose_backend_is_terminated_mid_insert_answers_503_and_its_redelivery_stores_one_row()
    {
        await using var services = await fixture.WebhookServicesAsync();
        var rounds = ReliabilityReport.Full ? 10 : 1;
        for (var round = 0; round < rounds; round++)
        {
            var callId = $"0000dead-0000-4000-8000-{round:D12}";
            var body = Webhook.Report(callId);

            await using (var holder = await _database.OpenConnectionAsync())
            {
                await using var holding = await holder.BeginTransactionAsync();
                await ExecuteAsync(holder, """LOCK TABLE "UsageLog" IN SHARE MODE""");
                var delivery = Task.Run(() => Webhook.PostAsync(services, body));
                await TerminateWaiterAsync(holder);
                var refused = await delivery;
                ReliabilityReport.Add("webhook: deliveries sent", 1);

                ReliabilityReport.Add("webhook: answered 503 + Retry-After while its backend was terminated", refused.Status == 503 ? 1 : 0);
                ReliabilityReport.Add("unexpected 5xx (target 0)", refused.Status >= 500 && refused.Status != 503 ? 1 : 0);
                Assert.Equal(503, refused.Status);
                Assert.True(int.Parse(refused.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture) > 0);
                Assert.Equal("application/problem+json", refused.ContentType.Split(';')[0]);
                await holding.RollbackAsync();
            }

            var redelivered = await Webhook.PostAsync(services, body);
            var replayed = await Webhook.PostAsync(services, body);
            ReliabilityReport.Add("webhook: deliveries sent", 2);

            ReliabilityReport.Add("unexpected 5xx (target 0)", new[] { redelivered.Status, replayed.Status }.Count(status => status >= 500));
            Assert.Equal((200, 200), (redelivered.Status, replayed.Status));
            await using var db = _database.CreateContext();
            var stored = await db.UsageLogs.CountAsync(u => u.CallId == callId);
            ReliabilityReport.Add("webhook: deliveries acknowledged (2xx)", 2);
            ReliabilityReport.Add("webhook: calls stored", stored);
            ReliabilityReport.Add("webhook: duplicates (target 0)", Math.Max(0, stored - 1));
            ReliabilityReport.Add("webhook: acknowledged calls lost (target 0)", stored == 0 ? 1 : 0);
            Assert.Equal(1, stored);
        }
    }

    [Fact]
    public async Task A_cycle_whose_backend_is_terminated_while_it_waits_for_the_series_leaves_nothing_half_written()
    {
        await using var scenario = new BillingScenario(_database, new() { ["Billing:InvoiceSeries"] = "KIL" });
        await scenario.ClientAsync("killed_a", billingStart: new DateOnly(2041, 1, 1));
        await scenario.ClientAsync("killed_b", billingStart: new DateOnly(2041, 1, 1));
        await scenario.CallAsync("killed_a", "2041-01-10T10:00:00Z", 60);

        Exception? stopped;
        await using (var holder = await _database.OpenConnectionAsync())
        {
            await using var holding = await holder.BeginTransactionAsync();
            await ExecuteAsync(holder, """
                INSERT INTO "InvoiceNumberSeries" ("series", "year", "nextNumber") VALUES ('KIL', 2041, 1)
                ON CONFLICT ("series", "year") DO UPDATE SET "nextNumber" = "InvoiceNumberSeries"."nextNumber"
                """);
            var run = Task.Run(() => scenario.RunAsync("2041-02-01T12:00:00Z", clientId: null));
            await TerminateWaiterAsync(holder);
            stopped = await Record.ExceptionAsync(() => run);
            await holding.CommitAsync();
        }

        Assert.NotNull(stopped);
        Assert.True(DatabaseFaults.IsUnavailable(stopped), stopped.ToString()); // the CLI's exit 3, never "a client failed"
        Assert.Empty(await scenario.InvoicesAsync("killed_a"));
        Assert.Empty(await scenario.InvoicesAsync("killed_b"));

        var rerun = await scenario.RunAsync("2041-02-01T13:00:00Z", clientId: null);

        Assert.Empty(rerun.Failures);
        Assert.Equal(Enumerable.Range(1, rerun.Invoices.Count).Select(n => $"KIL-2041-{n:D6}"), rerun.Invoices.Select(i => i.Number));
        Assert.Equal(800.56m, Assert.Single(await scenario.InvoicesAsync("killed_a")).Total);
        Assert.Single(await scenario.InvoicesAsync("killed_b"));
        ReliabilityReport.Add("cycle: runs terminated mid-batch", 1);
        ReliabilityReport.Add("cycle: partial invoices after a terminated run (target 0)", 0);
    }

    /// <summary>
    /// A crash between batches: with one client per batch, the first batch commits and the second waits on its
    /// client's row (held FOR UPDATE: the invoice's foreign-key check needs it) until its backend is terminated, which
    /// is what a killed `billing cycle run` leaves behind (its open transaction rolled back by the server). The rerun's
    /// invoices equal, row for row, those of an undisturbed run of the same data in a twin database.
    /// </summary>
    [Fact]
    public async Task A_run_stopped_between_batches_is_finished_by_the_rerun_exactly_as_an_undisturbed_run()
    {
        var twin = new TestDatabase(_database.Server);
        await twin.InitializeAsync();
        try
        {
            var settings = new Dictionary<string, string?> { ["Billing:InvoiceSeries"] = "CRS", ["Billing:BatchSize"] = "1" };
            async Task<BillingScenario> SeedAsync(TestDatabase database)
            {
                var scenario = new BillingScenario(database, settings);
                foreach (var id in new[] { "crash_a", "crash_b", "crash_c" })
                {
                    await scenario.ClientAsync(id, billingStart: new DateOnly(2042, 1, 1));
                    await scenario.CallAsync(id, "2042-01-10T10:00:00Z", 60 * id.Length);
                }
                return scenario;
            }
            await using var crashed = await SeedAsync(_database);
            await using var undisturbed = await SeedAsync(twin);

            Exception? stopped;
            await using (var holder = await _database.OpenConnectionAsync())
            {
                await using var holding = await holder.BeginTransactionAsync();
                await ExecuteAsync(holder, """SELECT 1 FROM "Client" WHERE "clientId" = 'crash_b' FOR UPDATE""");
                var run = Task.Run(() => crashed.RunAsync("2042-02-01T12:00:00Z", clientId: null));
                await TerminateWaiterAsync(holder);
                stopped = await Record.ExceptionAsync(() => run);
                await holding.RollbackAsync();
            }
            Assert.NotNull(stopped);
            Assert.Single(await crashed.InvoicesAsync("crash_a")); // the first batch had committed
            Assert.Empty(await crashed.InvoicesAsync("crash_b"));

            await crashed.RunAsync("2042-02-01T13:00:00Z", clientId: null);
            await undisturbed.RunAsync("2042-02-01T13:00:00Z", clientId: null);

            static async Task<List<string>> RowsAsync(BillingScenario scenario)
            {
                var rows = new List<string>();
                foreach (var id in new[] { "crash_a", "crash_b", "crash_c" })
                {
                    // Numbers are compared as a series below: the class's database also bills other tests' clients.
                    rows.AddRange((await scenario.InvoicesAsync(id)).Select(i =>
                        $"{i.ClientId} {i.Period} {i.Minutes} {i.TotalCalls} {i.MinutesAmount} {i.FixedFee} {i.Total} {i.DueDate} {i.Status}"));
                }
                return rows;
            }
            var expected = await RowsAsync(undisturbed);
            Assert.Equal(3, expected.Count);
            Assert.Equal(expected, await RowsAsync(crashed));
            // Gap-free after the rerun: the stopped batch gave its number back.
            await using (var check = await _database.OpenConnectionAsync())
            await using (var numbers = new NpgsqlCommand("""SELECT "number" FROM "Factura" WHERE "number" LIKE 'CRS-2042-%' ORDER BY 1""", check))
            await using (var reader = await numbers.ExecuteReaderAsync())
            {
                var taken = new List<string>();
                while (await reader.ReadAsync())
                {
                    taken.Add(reader.GetString(0));
                }
                Assert.Equal(Enumerable.Range(1, taken.Count).Select(n => $"CRS-2042-{n:D6}"), taken);
                Assert.True(taken.Count >= 3);
            }
            ReliabilityReport.Add("faults injected: a run stopped between batches", 1);
            ReliabilityReport.Add("crash between batches: invoices differing from an undisturbed run (target 0)", 0);
        }
        finally
        {
            await twin.DisposeAsync();
        }
    }
}
