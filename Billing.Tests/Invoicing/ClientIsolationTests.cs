using Billing.Domain.Invoicing;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Tests.Invoicing;

/// <summary>
/// One bad client row fails that client, never the run (docs/decisions/0021): the rows are broken the way hand-written
/// SQL breaks them, past the API's validation. Each test bills its own year, and asserts on its own clients only (runs
/// over all clients also see the other tests' clients, broken ones included).
/// </summary>
public sealed class ClientIsolationTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private async Task SqlAsync(string sql, params object[] values)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }
        await command.ExecuteNonQueryAsync();
    }

    private async Task<List<ClientFailure>> FailuresAsync(string prefix)
    {
        await using var db = database.CreateContext();
        return await db.ClientFailures.AsNoTracking().Where(f => f.ClientId.StartsWith(prefix)).OrderBy(f => f.ClientId).ThenBy(f => f.FirstSeenAt)
            .ToListAsync();
    }

    private async Task<BillingRun> RunRecordAsync(Guid? id)
    {
        await using var db = database.CreateContext();
        return await db.BillingRuns.AsNoTracking().SingleAsync(r => r.Id == id);
    }

    private static IEnumerable<ClientFailureReport> Of(BillingRunSummary run, string prefix) => run.Failures.Where(f => f.ClientId.StartsWith(prefix));

    [Fact]
    public async Task A_payment_term_that_overflows_the_calendar_fails_its_client_alone_every_run_until_it_is_fixed()
    {
        await using var scenario = new BillingScenario(database);
        foreach (var id in new[] { "term_a", "term_broken", "term_b" })
        {
            await scenario.ClientAsync(id, billingStart: new DateOnly(2031, 1, 1));
        }
        await scenario.CallAsync("term_a", "2031-01-10T10:00:00Z", 60);
        await SqlAsync("""UPDATE "Client" SET "paymentTermDays" = 2147483647 WHERE "clientId" = 'term_broken'""");

        var first = await scenario.RunAsync("2031-02-01T12:00:00Z", clientId: null);
        var second = await scenario.RunAsync("2031-02-01T13:00:00Z", clientId: null);

        Assert.Equal(["2031-01"], (await scenario.InvoicesAsync("term_a")).Select(i => i.Period));
        Assert.Equal(["2031-01"], (await scenario.InvoicesAsync("term_b")).Select(i => i.Period));
        Assert.Empty(await scenario.InvoicesAsync("term_broken"));
        var failure = Assert.Single(Of(first, "term_"));
        Assert.Equal(("term_broken", CycleSteps.DuePeriods), (failure.ClientId, failure.Step));
        Assert.Contains("ArgumentOutOfRangeException", failure.Error);
        var record = await RunRecordAsync(first.RunId);
        Assert.Null(record.Error);
        Assert.NotNull(record.FinishedAt);
        Assert.True(record.FailedClients >= 1);
        var open = Assert.Single(await FailuresAsync("term_"));
        Assert.Equal((2, second.RunId, (DateTimeOffset?)null), (open.Attempts, open.LastRunId, open.ResolvedAt));

        await SqlAsync("""UPDATE "Client" SET "paymentTermDays" = 30 WHERE "clientId" = 'term_broken'""");
        var fixedRun = await scenario.RunAsync("2031-02-01T14:00:00Z", clientId: null);

        Assert.Empty(Of(fixedRun, "term_"));
        Assert.Equal(["2031-01"], (await scenario.InvoicesAsync("term_broken")).Select(i => i.Period));
        Assert.NotNull(Assert.Single(await FailuresAsync("term_")).ResolvedAt);
    }

    [Fact]
    public async Task A_batch_whose_invoice_insert_fails_on_one_client_is_retried_client_by_client_with_gap_free_numbers()
    {
        await using var scenario = new BillingScenario(database, new() { ["Billing:InvoiceSeries"] = "ISO" });
        foreach (var id in new[] { "batch_a", "batch_broken", "batch_c" })
        {
            await scenario.ClientAsync(id, billingStart: new DateOnly(2032, 1, 1));
            await scenario.CallAsync(id, "2032-01-10T10:00:00Z", 120);
        }
        // A fee typed by hand that leaves no room for the minutes: the invoice's total overflows numeric(12,2) (22003).
        await SqlAsync("""UPDATE "ClientTerms" SET "taxaLunara" = 9999999999.99 WHERE "clientId" = 'batch_broken'""");

        var run = await scenario.RunAsync("2032-02-01T12:00:00Z", clientId: null);

        var failure = Assert.Single(Of(run, "batch_"));
        Assert.Equal(("batch_broken", CycleSteps.Invoicing, "2032-01"), (failure.ClientId, failure.Step, failure.Period));
        Assert.StartsWith("invoice insert: 22003", failure.Error);
        Assert.DoesNotContain("9999999999", failure.Error);
        Assert.Equal(["ISO-2032-000001", "ISO-2032-000002"],
            run.Invoices.Where(i => i.ClientId.StartsWith("batch_")).Select(i => i.Number));
        Assert.Equal(["batch_a", "batch_c"], run.Invoices.Where(i => i.ClientId.StartsWith("batch_")).Select(i => i.ClientId));

        await SqlAsync("""UPDATE "ClientTerms" SET "taxaLunara" = 800 WHERE "clientId" = 'batch_broken'""");
        var rerun = await scenario.RunAsync("2032-02-01T13:00:00Z", clientId: null);
        Assert.Equal("ISO-2032-000003", Assert.Single(rerun.Invoices, i => i.ClientId == "batch_broken").Number);
        Assert.NotNull(Assert.Single(await FailuresAsync("batch_")).ResolvedAt);
    }

    [Fact]
    public async Task An_unattributed_call_of_a_client_with_a_windows_time_zone_no_longer_fails_every_clients_run()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("gtb_zone", billingStart: new DateOnly(2033, 1, 1));
        await scenario.ClientAsync("gtb_healthy", billingStart: new DateOnly(2033, 1, 1));
        // Hand-written SQL: a zone .NET accepts (it maps Windows ids) but PostgreSQL's AT TIME ZONE refuses.
        await SqlAsync("""UPDATE "Client" SET "timeZone" = 'GTB Standard Time' WHERE "clientId" = 'gtb_zone'""");
        await SqlAsync("""UPDATE "ClientTerms" SET "timeZone" = 'GTB Standard Time' WHERE "clientId" = 'gtb_zone'""");
        await scenario.CallAsync("gtb_zone", "2033-01-10T10:00:00Z", 60, assistantId: "asst_gtb_later");
        await scenario.CallAsync("gtb_healthy", "2033-01-10T10:00:00Z", 60);
        await SqlAsync("""INSERT INTO "ClientAssistant" ("vapiId", "clientId", "kind") VALUES ('asst_gtb_later', 'gtb_zone', 'assistant')""");

        var run = await scenario.RunAsync("2033-02-01T12:00:00Z", clientId: null);

        Assert.Empty(Of(run, "gtb_"));
        Assert.Equal(800.56m, Assert.Single(await scenario.InvoicesAsync("gtb_healthy")).Total);
        Assert.Equal(800.56m, Assert.Single(await scenario.InvoicesAsync("gtb_zone")).Total);
    }

    [Fact]
    public async Task A_reconciled_call_the_database_refuses_is_its_clients_failure_and_the_window_keeps_moving()
    {
        var vapi = new FakeVapi();
        await using var scenario = vapi.Scenario(database);
        await scenario.ClientAsync("rec_zone", billingStart: new DateOnly(2034, 1, 1));
        await scenario.ClientAsync("rec_healthy", billingStart: new DateOnly(2034, 1, 1));
        await SqlAsync("""UPDATE "Client" SET "timeZone" = 'GTB Standard Time' WHERE "clientId" = 'rec_zone'""");
        await SqlAsync("""UPDATE "ClientTerms" SET "timeZone" = 'GTB Standard Time' WHERE "clientId" = 'rec_zone'""");
        vapi.Calls.Add(FakeVapi.EndedCall("00002034-0000-4000-8000-000000000001", "asst_rec_zone", "2034-01-10T10:00:00Z", 60));
        vapi.Calls.Add(FakeVapi.EndedCall("00002034-0000-4000-8000-000000000002", "asst_rec_healthy", "2034-01-10T10:00:00Z", 60));

        var january = await scenario.RunAsync("2034-02-01T12:00:00Z", clientId: null);

        Assert.Equal("ok", january.Reconciliation);
        var failure = Assert.Single(Of(january, "rec_"));
        Assert.Equal(("rec_zone", CycleSteps.Reconciliation), (failure.ClientId, failure.Step));
        Assert.Contains("recording call 00002034-0000-4000-8000-000000000001: UnrecordableCallException: The call cannot be recorded: message: The database refused", failure.Error);
        var healthy = Assert.Single(january.Invoices, i => i.ClientId == "rec_healthy");
        Assert.Equal((true, 1, 800.56m), (healthy.Reconciled, healthy.TotalCalls, healthy.Total));
        var broken = Assert.Single(january.Invoices, i => i.ClientId == "rec_zone");
        Assert.Equal((false, 0), (broken.Reconciled, broken.TotalCalls)); // invoiced from what is recorded, marked unreconciled
        var open = Assert.Single(await FailuresAsync("rec_"));
        Assert.Equal(new DateTimeOffset(2033, 12, 31, 22, 0, 0, TimeSpan.Zero), open.RetryFrom);

        // Weeks later the run still lists the failing client's calls from its failed window, while the reconciliation of
        // every other client has moved on; once the zone is fixed the call records and bills as late usage.
        await SqlAsync("""UPDATE "Client" SET "timeZone" = 'Europe/Bucharest' WHERE "clientId" = 'rec_zone'""");
        await SqlAsync("""UPDATE "ClientTerms" SET "timeZone" = 'Europe/Bucharest' WHERE "clientId" = 'rec_zone'""");
        var february = await scenario.RunAsync("2034-03-01T12:00:00Z", clientId: null);

        Assert.Empty(Of(february, "rec_"));
        var line = Assert.Single(Assert.Single(february.Invoices, i => i.ClientId == "rec_zone").LateUsage);
        Assert.Equal(("2034-01", 1), (line.OriginalPeriod, line.Calls));
        Assert.NotNull(Assert.Single(await FailuresAsync("rec_")).ResolvedAt);
    }

    [Fact]
    public async Task A_number_typed_by_hand_into_the_series_is_skipped_and_reported_never_a_halted_cycle()
    {
        await using var scenario = new BillingScenario(database, new() { ["Billing:InvoiceSeries"] = "HND" });
        foreach (var id in new[] { "hand_a", "hand_b", "hand_c" })
        {
            await scenario.ClientAsync(id, billingStart: new DateOnly(2035, 1, 1));
        }
        await scenario.ClientAsync("hand_typed", billingStart: new DateOnly(2034, 12, 1));
        await SqlAsync("""
            INSERT INTO "Factura" ("clientId", "perioada", "minuteTotale", "totalCalls", "successfulCalls", "costMinute", "taxaFixa",
                "totalDePlata", "dueDate", "updatedAt", "number")
            VALUES ('hand_typed', '2034-12', 0, 0, 0, 0, 800, 800, '2035-01-15', now(), 'HND-2035-000002')
            """);

        var run = await scenario.RunAsync("2035-02-01T12:00:00Z", clientId: null);

        Assert.Empty(Of(run, "hand_"));
        Assert.Equal(["HND-2035-000002"], run.SkippedNumbers);
        // The run also bills the other tests' clients of this database: its numbers and the hand-typed one make 1..n.
        var numbers = run.Invoices.Select(i => i.Number!).Where(n => n.StartsWith("HND-2035-")).Append("HND-2035-000002").Order().ToList();
        Assert.Equal(Enumerable.Range(1, numbers.Count).Select(n => $"HND-2035-{n:D6}"), numbers);
        Assert.Equal(3, run.Invoices.Count(i => i.ClientId is "hand_a" or "hand_b" or "hand_c"));
        await using var db = database.CreateContext();
        Assert.Equal(numbers.Count + 1,
            await db.InvoiceNumberSeries.Where(s => s.Series == "HND" && s.Year == 2035).Select(s => s.NextNumber).SingleAsync());
    }

    [Fact]
    public async Task A_serialization_failure_or_deadlock_is_retried_and_the_run_completes()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("retry_once", billingStart: new DateOnly(2036, 1, 1));
        // The first invoice insert of the run fails with 40001, the second with 40P01, as a concurrent transaction would make them.
        await SqlAsync("""
            CREATE SEQUENCE retry_once_attempts;
            CREATE FUNCTION retry_once_conflict() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW."clientId" = 'retry_once' THEN
                    CASE nextval('retry_once_attempts')
                        WHEN 1 THEN RAISE EXCEPTION 'injected serialization failure' USING ERRCODE = '40001';
                        WHEN 2 THEN RAISE EXCEPTION 'injected deadlock' USING ERRCODE = '40P01';
                        ELSE NULL;
                    END CASE;
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER retry_once_conflict BEFORE INSERT ON "Factura" FOR EACH ROW EXECUTE FUNCTION retry_once_conflict();
            """);
        try
        {
            var run = await scenario.RunAsync("2036-02-01T12:00:00Z", clientId: null);

            Assert.Empty(Of(run, "retry_"));
            Assert.Single(await scenario.InvoicesAsync("retry_once"));
        }
        finally
        {
            await SqlAsync("""DROP TRIGGER retry_once_conflict ON "Factura"; DROP FUNCTION retry_once_conflict(); DROP SEQUENCE retry_once_attempts""");
        }
    }

    [Fact]
    public async Task Overdue_marking_refused_for_one_clients_invoice_marks_every_other_clients()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("late_ok", billingStart: new DateOnly(2037, 1, 1));
        await scenario.ClientAsync("late_refused", billingStart: new DateOnly(2037, 1, 1));
        await scenario.RunAsync("2037-02-01T12:00:00Z", clientId: null);
        // A rule added by hand that refuses one client's status change (a data exception, 22023).
        await SqlAsync("""
            CREATE FUNCTION late_refused_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW."clientId" = 'late_refused' AND NEW."status" = 'OVERDUE' THEN
                    RAISE EXCEPTION 'status change refused' USING ERRCODE = '22023';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER late_refused_guard BEFORE UPDATE ON "Factura" FOR EACH ROW EXECUTE FUNCTION late_refused_guard();
            """);
        try
        {
            var run = await scenario.RunAsync("2037-03-01T12:00:00Z", clientId: null);

            var failure = Assert.Single(Of(run, "late_"), f => f.Step == CycleSteps.Overdue);
            Assert.Equal("late_refused", failure.ClientId);
            Assert.Equal(InvoiceStatus.Overdue, (await scenario.InvoicesAsync("late_ok")).Single(i => i.Period == "2037-01").Status);
            Assert.Equal(InvoiceStatus.Pending, (await scenario.InvoicesAsync("late_refused")).Single(i => i.Period == "2037-01").Status);
        }
        finally
        {
            await SqlAsync("""DROP TRIGGER late_refused_guard ON "Factura"; DROP FUNCTION late_refused_guard()""");
        }
    }
}
