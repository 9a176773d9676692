using Billing.Domain.Invoicing;
using Billing.Domain.Reports;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.Invoicing;

/// <summary>Numbers are counted per series and year over the whole database, so these tests have one of their own.</summary>
public sealed class InvoiceNumberingTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static async Task<bool> SetNextAsync(BillingScenario scenario, int year, long next)
    {
        await using var scope = scenario.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<InvoiceNumbers>().SetNextAsync(year, next, default);
    }

    [Fact]
    public async Task Each_year_has_its_own_gapless_series_whose_start_can_be_moved_forward_but_never_back()
    {
        await using var scenario = new BillingScenario(database, new() { ["Billing:InvoiceSeries"] = "TST" });
        await scenario.ClientAsync("numbered_a", billingStart: new DateOnly(2025, 11, 1));
        await scenario.ClientAsync("numbered_b", billingStart: new DateOnly(2025, 11, 1));

        var november = await scenario.RunAsync("2025-12-01T12:00:00Z", clientId: null);
        Assert.True(await SetNextAsync(scenario, 2026, 500));
        Assert.False(await SetNextAsync(scenario, 2026, 499)); // back: refused, numbers are never reused
        Assert.False(await SetNextAsync(scenario, 2025, 1));   // 2025 has already issued 1 and 2
        var december = await scenario.RunAsync("2026-01-01T12:00:00Z", clientId: null);
        var january = await scenario.RunAsync("2026-02-01T12:00:00Z", clientId: null);

        Assert.Equal(["TST-2025-000001", "TST-2025-000002"], november.Invoices.Select(i => i.Number));
        Assert.Equal(["TST-2026-000500", "TST-2026-000501"], december.Invoices.Select(i => i.Number));
        Assert.Equal(["TST-2026-000502", "TST-2026-000503"], january.Invoices.Select(i => i.Number));
        Assert.Equal(["numbered_a", "numbered_b"], january.Invoices.Select(i => i.ClientId));
        // A dry run shows the numbers a run would take, and takes none.
        var dry = await scenario.RunAsync("2026-03-01T12:00:00Z", clientId: null, dryRun: true);
        Assert.Equal(["TST-2026-000504", "TST-2026-000505"], dry.Invoices.Select(i => i.Number));
        var february = await scenario.RunAsync("2026-03-01T12:00:00Z", clientId: null);
        Assert.Equal(["TST-2026-000504", "TST-2026-000505"], february.Invoices.Select(i => i.Number));
    }

    [Theory]
    [InlineData(2025, 0)]
    [InlineData(1999, 5)]
    public async Task A_next_number_below_1_or_a_year_out_of_range_is_refused(int year, long next)
    {
        await using var scenario = new BillingScenario(database);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SetNextAsync(scenario, year, next));
    }

    [Fact]
    public async Task Numbers_grow_past_six_digits_instead_of_being_cut()
    {
        await using var scenario = new BillingScenario(database, new() { ["Billing:InvoiceSeries"] = "WIDE" });
        await scenario.ClientAsync("wide_a", billingStart: new DateOnly(2028, 1, 1));
        await scenario.ClientAsync("wide_b", billingStart: new DateOnly(2028, 1, 1));
        Assert.True(await SetNextAsync(scenario, 2028, 999_999));

        // One client per run: the other tests' clients share the database and would be invoiced too. wide_b catches up
        // January and February in one run, whose invoices straddle the sixth digit and come back in numbering order.
        var catchUp = await scenario.RunAsync("2028-03-01T12:00:00Z", "wide_b");
        var next = await scenario.RunAsync("2028-03-01T12:00:00Z", "wide_a");

        Assert.Equal(["WIDE-2028-999999", "WIDE-2028-1000000"], catchUp.Invoices.Select(i => i.Number));
        Assert.Equal(["2028-01", "2028-02"], catchUp.Invoices.Select(i => i.Period));
        Assert.Equal("WIDE-2028-1000001", next.Invoices.First().Number);
        await using var scope = scenario.Services.CreateAsyncScope();
        // The CLI's listing orders numbers by length first: "…-1000000" must not sort before "…-999999".
        var january = await Billing.Cli.InvoiceCommands.ListAsync(scope.ServiceProvider.GetRequiredService<ReportQueries>(),
            new InvoiceFilter(PeriodFrom: "2028-01", PeriodTo: "2028-01"), default);
        Assert.Equal(["WIDE-2028-999999", "WIDE-2028-1000001"], january.Where(i => i.ClientId is "wide_a" or "wide_b").Select(i => i.Number));
    }

    [Fact]
    public async Task An_invoice_inserted_outside_the_cycle_during_a_run_rolls_the_batch_back_and_its_clients_are_issued_in_parts_without_a_gap()
    {
        await using var scenario = new BillingScenario(database, new() { ["Billing:InvoiceSeries"] = "GAP" });
        await scenario.ClientAsync("gap_a", billingStart: new DateOnly(2027, 1, 1));
        await scenario.ClientAsync("gap_b", billingStart: new DateOnly(2027, 1, 1));

        // The run is held up right after it closed its epoch: another session holds the series' row it numbers from.
        await using var holder = await database.OpenConnectionAsync();
        await using var holding = await holder.BeginTransactionAsync();
        await ExecuteAsync(holder, holding, """
            INSERT INTO "InvoiceNumberSeries" ("series", "year", "nextNumber") VALUES ('GAP', 2027, 1)
            ON CONFLICT ("series", "year") DO UPDATE SET "nextNumber" = "InvoiceNumberSeries"."nextNumber"
            """);
        var run = Task.Run(() => scenario.RunAsync("2027-02-01T12:00:00Z", clientId: null));
        await WaitForWaiterOnAsync(holder, holding);

        // Meanwhile someone inserts gap_a's January invoice by hand and has not committed when the run inserts its own.
        await using var manual = await database.OpenConnectionAsync();
        await using var transaction = await manual.BeginTransactionAsync();
        await ExecuteAsync(manual, transaction, """
            INSERT INTO "Factura" ("clientId", "perioada", "minuteTotale", "totalCalls", "successfulCalls", "costMinute", "taxaFixa",
                "totalDePlata", "dueDate", "updatedAt")
            VALUES ('gap_a', '2027-01', 0, 0, 0, 0, 800, 800, '2027-02-15', now())
            """);
        await holding.CommitAsync();
        await WaitForWaiterOnAsync(manual, transaction);
        await transaction.CommitAsync();

        // The batch would have left a gap, so it rolled back and took no number; the run retried its clients in parts
        // in the same run (docs/decisions/0021): numbered from 1 without a gap, the hand-made invoice skipped, nobody failed.
        var retried = await run;
        Assert.Empty(retried.Failures);
        Assert.Equal(Enumerable.Range(1, retried.Invoices.Count).Select(n => $"GAP-2027-{n:D6}"), retried.Invoices.Select(i => i.Number));
        Assert.Contains(retried.Invoices, i => i.ClientId == "gap_b");
        Assert.DoesNotContain(retried.Invoices, i => i.ClientId == "gap_a");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Waits until another session waits for the given open transaction to end.</summary>
    private async Task WaitForWaiterOnAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        await using var xid = new NpgsqlCommand("SELECT pg_current_xact_id()::text", connection, transaction);
        var id = (string)(await xid.ExecuteScalarAsync())!;
        await using var watcher = await database.OpenConnectionAsync();
        await using var waiters = new NpgsqlCommand("""
            SELECT count(*) FROM pg_locks WHERE locktype = 'transactionid' AND NOT granted AND transactionid::text = $1
            """, watcher);
        waiters.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        for (var attempt = 0; attempt < 400; attempt++)
        {
            if ((long)(await waiters.ExecuteScalarAsync())! > 0)
            {
                return;
            }
            await Task.Delay(25);
        }
        Assert.Fail($"Nobody waited for transaction {id}.");
    }
}
