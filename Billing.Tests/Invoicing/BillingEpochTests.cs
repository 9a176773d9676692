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
