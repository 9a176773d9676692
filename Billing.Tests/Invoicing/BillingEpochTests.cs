using Billing.Domain.Data;
using Billing.Tests.Infrastructure;
using Npgsql;

namespace Billing.Tests.Invoicing;

/// <summary>
/// The epoch protocol that tells billed calls from late ones (docs/decisions/0008), under real concurrency: a call is
/// billed exactly once however its write interleaves with the cycle closing an epoch.
/// </summary>
public sealed class BillingEpochTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Closing_an_epoch_waits_for_a_call_still_being_written_and_bills_it()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("in_flight", billingStart: new DateOnly(2025, 10, 1));
        await scenario.CallAsync("in_flight", "2025-10-10T10:00:00Z", 60);

        // A writer has inserted a call of the closing period and not committed yet.
        await using var writer = await database.OpenConnectionAsync();
        await using var transaction = await writer.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO "UsageLog" ("callId", "clientId", "startedAt", "endedAt", "duration", "billableSeconds", "durationMinutes",
                "cost", "outcome", "billable", "incomplete", "source")
            VALUES ('in-flight-call', 'in_flight', '2025-10-20T10:00:00Z', '2025-10-20T10:02:00Z', 120, 120, 2, 1.12, 'success', true, false, 'import')
            """, writer, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }

        var run = Task.Run(() => scenario.RunAsync("2025-11-01T12:00:00Z", "in_flight"));
        await WaitForAdvisoryLockWaiterAsync();
        Assert.False(run.IsCompleted);
        await transaction.CommitAsync();
        await run;

        var october = Assert.Single(await scenario.InvoicesAsync("in_flight"));
        Assert.Equal((2, 3m, 801.68m), (october.TotalCalls, october.Minutes, october.Total));
        Assert.Equal(october.Id, (await scenario.BilledByAsync("in_flight"))["in-flight-call"]);
    }

    [Fact]
    public async Task A_call_written_while_an_epoch_closes_gets_the_next_epoch()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("waiting_writer", billingStart: new DateOnly(2025, 10, 1));

        // A close holds the exclusive lock and has bumped the epoch, not yet committed.
        await using var closer = await database.OpenConnectionAsync();
        await using var transaction = await closer.BeginTransactionAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({BillingEpochs.LockKey})", closer, transaction))
        {
            await take.ExecuteNonQueryAsync();
        }
        await using var bump = new NpgsqlCommand("""UPDATE "BillingEpoch" SET "current" = "current" + 1 RETURNING "current" - 1""", closer, transaction);
        var closed = (long)(await bump.ExecuteScalarAsync())!;

        var write = Task.Run(() => scenario.CallAsync("waiting_writer", "2025-10-20T10:00:00Z", 60));
        await WaitForAdvisoryLockWaiterAsync();
        Assert.False(write.IsCompleted);
        await transaction.CommitAsync();
        var callId = await write;

        // Read after the lock, the epoch is the new one: the writer never stamps an epoch that is already being billed.
        await using var check = await database.OpenConnectionAsync();
        await using var read = new NpgsqlCommand("""SELECT "billingEpoch" FROM "UsageLog" WHERE "callId" = $1""", check);
        read.Parameters.Add(new NpgsqlParameter<string> { TypedValue = callId });
        Assert.Equal(closed + 1, (long)(await read.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Calls_recorded_while_their_period_is_invoiced_are_each_billed_exactly_once()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("racing", rate: 1m, billingStart: new DateOnly(2025, 10, 1));

        // Four senders record 200 October calls of 1 minute while the October invoice is issued.
        var senders = Enumerable.Range(0, 4).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await scenario.CallAsync("racing", $"2025-10-{1 + i % 28:D2}T10:{s:D2}:00Z", 60);
            }
        })).ToList();
        await Task.Delay(50, TestContext.Current.CancellationToken);
        await scenario.RunAsync("2025-11-01T12:00:00Z", "racing");
        await Task.WhenAll(senders);
        await scenario.RunAsync("2025-12-01T12:00:00Z", "racing");

        var invoices = await scenario.InvoicesAsync("racing");
        Assert.Equal(["2025-10", "2025-11"], invoices.Select(i => i.Period));
        var (october, november) = (invoices[0], invoices[1]);
        var lateCalls = november.LateUsage.Where(l => l.OriginalPeriod == "2025-10").Sum(l => l.Calls);
        Assert.Equal(200, october.TotalCalls + lateCalls);
        Assert.Equal(200m, october.MinutesAmount + november.LateUsageAmount);
        var billedBy = await scenario.BilledByAsync("racing");
        Assert.Equal(october.TotalCalls, billedBy.Values.Count(id => id == october.Id));
        Assert.Equal(lateCalls, billedBy.Values.Count(id => id == november.Id));
    }

    [Fact]
    public async Task An_invoice_inserted_by_hand_counts_the_calls_so_far_and_later_ones_bill_as_late_usage()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("by_hand", rate: 1m, billingStart: new DateOnly(2025, 11, 1),
            configure: c => c.TimeZone = "America/New_York");
        await scenario.CallAsync("by_hand", "2025-11-10T15:00:00Z", 60);
        await scenario.CallAsync("by_hand", "2025-11-20T15:00:00Z", 60);

        // November invoiced the way the original workflow did it: the seed README's INSERT, without any of our columns.
        await using (var connection = await database.OpenConnectionAsync())
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO "Factura" ("clientId", "clientName", "perioada", "minuteTotale", "totalCalls", "successfulCalls",
                    "costMinute", "taxaFixa", "totalDePlata", "status", "dueDate", "currency", "updatedAt")
                VALUES ('by_hand', 'By Hand', '2025-11', 2, 2, 2, 2.00, 800.00, 802.00, 'PENDING', '2025-12-15', 'RON', now())
                """, connection);
            await insert.ExecuteNonQueryAsync();
        }
        // A November call that arrives after that invoice (New York time: still November 30).
        var late = await scenario.CallAsync("by_hand", "2025-12-01T03:00:00Z", 120);
        await scenario.RunAsync("2026-01-01T12:00:00Z", "by_hand");

        var invoices = await scenario.InvoicesAsync("by_hand");
        Assert.Equal(["2025-11", "2025-12"], invoices.Select(i => i.Period));
        var december = invoices[1];
        var line = Assert.Single(december.LateUsage);
        Assert.Equal(("2025-11", 1, 2.00m), (line.OriginalPeriod, line.Calls, line.Amount));
        Assert.Equal(2.00m, december.LateUsageAmount);
        var billedBy = await scenario.BilledByAsync("by_hand");
        Assert.Equal(2, billedBy.Values.Count(id => id == invoices[0].Id));
        Assert.Equal(december.Id, billedBy[late]);
    }

    [Fact]
    public async Task A_call_recorded_while_a_hand_made_invoice_is_uncommitted_waits_and_bills_as_late_usage()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("waiting", rate: 1m, billingStart: new DateOnly(2025, 11, 1));
        await scenario.CallAsync("waiting", "2025-11-10T10:00:00Z", 60);

        await using var manual = await database.OpenConnectionAsync();
        await using var transaction = await manual.BeginTransactionAsync();
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO "Factura" ("clientId", "perioada", "minuteTotale", "totalCalls", "successfulCalls", "costMinute", "taxaFixa",
                "totalDePlata", "dueDate", "updatedAt")
            VALUES ('waiting', '2025-11', 1, 1, 1, 1.00, 800.00, 801.00, '2025-12-15', now())
            """, manual, transaction))
        {
            await insert.ExecuteNonQueryAsync();
        }
        // The invoice's author cannot have counted this call: it must not be taken as billed by that invoice.
        var recording = Task.Run(() => scenario.CallAsync("waiting", "2025-11-20T10:00:00Z", 120));
        await WaitForAdvisoryLockWaiterAsync();
        Assert.False(recording.IsCompleted);
        await transaction.CommitAsync();
        await recording;
        await scenario.RunAsync("2026-01-01T12:00:00Z", "waiting");

        var december = (await scenario.InvoicesAsync("waiting")).Single(i => i.Period == "2025-12");
        var line = Assert.Single(december.LateUsage);
        Assert.Equal(("2025-11", 1, 2.00m), (line.OriginalPeriod, line.Calls, line.Amount));
    }

    [Fact]
    public async Task Invoices_imported_in_one_statement_close_one_epoch_and_get_their_periods_windows()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("imported", billingDay: 15, billingStart: new DateOnly(2024, 1, 15));
        await using var connection = await database.OpenConnectionAsync();
        async Task<long> CurrentEpochAsync()
        {
            await using var read = new NpgsqlCommand("""SELECT "current" FROM "BillingEpoch" """, connection);
            return (long)(await read.ExecuteScalarAsync())!;
        }
        var before = await CurrentEpochAsync();

        await using (var import = new NpgsqlCommand("""
            INSERT INTO "Factura" ("clientId", "perioada", "minuteTotale", "totalCalls", "successfulCalls", "costMinute", "taxaFixa",
                "totalDePlata", "dueDate", "updatedAt")
            SELECT 'imported', p, 0, 0, 0, 0, 800, 800, '2024-06-01', now() FROM unnest(ARRAY['2024-01', '2024-02', '2024-03']) AS p
            """, connection))
        {
            await import.ExecuteNonQueryAsync();
        }

        Assert.Equal(before + 1, await CurrentEpochAsync());
        var invoices = await scenario.InvoicesAsync("imported");
        Assert.All(invoices, i => Assert.Equal(before, i.UsageEpoch));
        // Europe/Bucharest, billing day 15: February's period is [2024-02-15, 2024-03-15) local, winter time (UTC+2).
        var february = invoices.Single(i => i.Period == "2024-02");
        Assert.Equal((DateTimeOffset.Parse("2024-02-14T22:00:00Z"), DateTimeOffset.Parse("2024-03-14T22:00:00Z")),
            (february.UsageFrom!.Value, february.UsageTo!.Value));
    }

    /// <summary>Waits until some session is queued for an advisory lock (the close or the writer blocked as intended).</summary>
    private async Task WaitForAdvisoryLockWaiterAsync()
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand("""
            SELECT count(*) FROM pg_locks
            WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            """, connection);
        for (var attempt = 0; attempt < 200; attempt++)
        {
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }
            await Task.Delay(25);
        }
        Assert.Fail("Nobody waited for the advisory lock.");
    }
}
