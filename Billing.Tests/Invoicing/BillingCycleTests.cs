using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.Domain.Invoicing;
using Billing.Domain.Vapi;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;
using NSubstitute.ExceptionExtensions;

namespace Billing.Tests.Invoicing;

public sealed class BillingCycleTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private BillingScenario _scenario = null!;

    public ValueTask InitializeAsync()
    {
        _scenario = new BillingScenario(database);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _scenario.DisposeAsync();

    [Fact]
    public async Task The_seed_example_bills_120_minutes_at_056_plus_800_as_867_20()
    {
        await _scenario.ClientAsync("seed_example");
        for (var i = 0; i < 36; i++)
        {
            await _scenario.CallAsync("seed_example", $"2025-11-{1 + i % 28:D2}T08:00:00Z", 180);
        }
        for (var i = 0; i < 6; i++)
        {
            await _scenario.CallAsync("seed_example", $"2025-11-{1 + i:D2}T12:00:00Z", 119.5);
        }
        for (var i = 0; i < 3; i++)
        {
            await _scenario.CallAsync("seed_example", "2025-11-20T09:00:00Z", 0, "customer-did-not-answer");
        }

        await _scenario.RunAsync("2025-12-01T12:00:00Z", "seed_example");

        var november = Assert.Single(await _scenario.InvoicesAsync("seed_example"), i => i.Period == "2025-11");
        Assert.Equal(120m, november.Minutes);
        Assert.Equal(45, november.TotalCalls);
        Assert.Equal(42, november.SuccessfulCalls);
        Assert.Equal(67.20m, november.MinutesAmount);
        Assert.Equal(800.00m, november.FixedFee);
        Assert.Equal(867.20m, november.Total);
        Assert.Equal("RON", november.Currency);
        Assert.Equal(new DateOnly(2025, 12, 16), november.DueDate);
        Assert.Equal(new DateOnly(2025, 11, 1), november.PeriodStart);
        Assert.Matches(@"^VAI-2025-\d{6}$", november.Number);
        Assert.Equal("asst_seed_example", november.VapiAssistantId);
    }

    [Fact]
    public async Task A_client_without_calls_pays_the_fixed_fee_only_and_an_inactive_client_nothing()
    {
        await _scenario.ClientAsync("quiet_shop", fee: 450m, billingStart: new DateOnly(2025, 11, 1));
        await _scenario.ClientAsync("closed_shop", billingStart: new DateOnly(2025, 11, 1), configure: c => c.Active = false);
        await _scenario.CallAsync("closed_shop", "2025-11-03T10:00:00Z", 60);

        await _scenario.RunAsync("2025-12-01T12:00:00Z", "quiet_shop");
        await _scenario.RunAsync("2025-12-01T12:00:00Z", "closed_shop");

        var invoice = Assert.Single(await _scenario.InvoicesAsync("quiet_shop"));
        Assert.Equal((0m, 0, 0m, 450m), (invoice.Minutes, invoice.TotalCalls, invoice.MinutesAmount, invoice.Total));
        Assert.Empty(await _scenario.InvoicesAsync("closed_shop"));
    }

    [Fact]
    public async Task A_call_at_235959_local_on_the_last_day_is_billed_in_that_period_and_one_second_later_in_the_next()
    {
        await _scenario.ClientAsync("late_night", billingStart: new DateOnly(2025, 10, 1));
        await _scenario.CallAsync("late_night", "2025-10-31T21:59:59Z", 60); // 23:59:59 in Bucharest (UTC+2 since 26 Oct)
        await _scenario.CallAsync("late_night", "2025-10-31T22:00:00Z", 120);

        await _scenario.RunAsync("2025-12-01T12:00:00Z", "late_night");

        var invoices = await _scenario.InvoicesAsync("late_night");
        Assert.Equal(["2025-10", "2025-11"], invoices.Select(i => i.Period));
        Assert.Equal(1m, invoices[0].Minutes);
        Assert.Equal(2m, invoices[1].Minutes);
    }

    [Fact]
    public async Task A_period_is_invoiced_only_after_the_grace_window_and_a_call_landing_within_it_is_included()
    {
        await _scenario.ClientAsync("grace", billingStart: new DateOnly(2025, 11, 1));
        await _scenario.CallAsync("grace", "2025-11-30T21:30:00Z", 60); // 23:30 local on 30 Nov, reported late

        var tooEarly = await _scenario.RunAsync("2025-12-01T03:59:59Z", "grace"); // period closed 22:00Z, grace 6 h
        Assert.Empty(tooEarly.Invoices);

        await _scenario.CallAsync("grace", "2025-11-30T21:45:00Z", 60); // arrives within the grace window
        var run = await _scenario.RunAsync("2025-12-01T04:00:00Z", "grace");

        var invoice = Assert.Single(run.Invoices);
        Assert.Equal(2, invoice.TotalCalls);
        Assert.Equal(801.12m, invoice.Total);
    }

    [Fact]
    public async Task A_call_that_arrives_after_its_invoice_is_billed_once_on_the_next_invoice_as_late_usage()
    {
        await _scenario.ClientAsync("late_call", billingStart: new DateOnly(2025, 10, 1));
        var onTime = await _scenario.CallAsync("late_call", "2025-10-10T10:00:00Z", 60);
        await _scenario.RunAsync("2025-11-01T12:00:00Z", "late_call");
        var october = Assert.Single(await _scenario.InvoicesAsync("late_call"));

        var late = await _scenario.CallAsync("late_call", "2025-10-20T10:00:00Z", 150); // an October call reported in November
        var novemberCall = await _scenario.CallAsync("late_call", "2025-11-05T10:00:00Z", 60);
        await _scenario.RunAsync("2025-11-15T12:00:00Z", "late_call"); // nothing is due mid-month
        await _scenario.RunAsync("2025-12-01T12:00:00Z", "late_call");
        await _scenario.RunAsync("2026-01-01T12:00:00Z", "late_call");

        var invoices = await _scenario.InvoicesAsync("late_call");
        // The issued invoice keeps its amounts and number (only the overdue sweep may change its status).
        Assert.Equal((october.Number, october.Minutes, october.TotalCalls, october.Total),
            (invoices[0].Number, invoices[0].Minutes, invoices[0].TotalCalls, invoices[0].Total));
        var november = invoices[1];
        var line = Assert.Single(november.LateUsage);
        Assert.Equal(("2025-10", 1, 3m, 1.68m), (line.OriginalPeriod, line.Calls, line.Minutes, line.Amount));
        Assert.Equal(1.68m, november.LateUsageAmount);
        Assert.Equal(0.56m + 800m + 1.68m, november.Total);
        Assert.Empty(invoices[2].LateUsage);
        Assert.Equal(800m, invoices[2].Total);
        // Audits see which invoice billed each call.
        var billedBy = await _scenario.BilledByAsync("late_call");
        Assert.Equal((october.Id, november.Id, november.Id), (billedBy[onTime], billedBy[late], billedBy[novemberCall]));
    }

    [Fact]
    public async Task A_paid_invoice_is_never_changed_by_later_runs()
    {
        await _scenario.ClientAsync("paid_client", billingStart: new DateOnly(2025, 11, 1));
        await _scenario.CallAsync("paid_client", "2025-11-10T10:00:00Z", 60);
        await _scenario.RunAsync("2025-12-01T12:00:00Z", "paid_client");
        await using (var db = database.CreateContext())
        {
            await db.Invoices.Where(i => i.ClientId == "paid_client")
                .ExecuteUpdateAsync(s => s.SetProperty(i => i.Status, InvoiceStatus.Paid));
        }
        var before = Assert.Single(await _scenario.InvoicesAsync("paid_client"));

        await _scenario.CallAsync("paid_client", "2025-11-11T10:00:00Z", 600);
        var again = await _scenario.RunAsync("2025-12-02T12:00:00Z", "paid_client");

        Assert.Empty(again.Invoices);
        var after = Assert.Single(await _scenario.InvoicesAsync("paid_client"));
        Assert.Equivalent(before, after);
    }

    [Fact]
    public async Task A_dry_run_computes_the_invoices_and_writes_nothing()
    {
        await _scenario.ClientAsync("dry", billingStart: new DateOnly(2025, 11, 1));
        await _scenario.CallAsync("dry", "2025-11-10T10:00:00Z", 60);

        var dry = await _scenario.RunAsync("2025-12-01T12:00:00Z", "dry", dryRun: true);

        Assert.Equal(800.56m, Assert.Single(dry.Invoices).Total);
        Assert.Empty(await _scenario.InvoicesAsync("dry"));
        await using var db = database.CreateContext();
        Assert.DoesNotContain((await _scenario.BilledByAsync("dry")).Values, id => id is not null);
        Assert.False(await db.BillingRuns.AnyAsync(r => r.DryRun));
    }

    [Fact]
    public async Task Included_minutes_are_free_and_a_prorated_first_period_pays_its_share_of_the_fee()
    {
        await _scenario.ClientAsync("included", rate: 0.50m, billingStart: new DateOnly(2025, 11, 1), configure: c => c.IncludedMinutes = 10);
        await _scenario.CallAsync("included", "2025-11-10T10:00:00Z", 15 * 60);
        await _scenario.ClientAsync("prorated", fee: 300m, billingStart: new DateOnly(2025, 11, 21), configure: c => c.ProrateFirstPeriod = true);

        await _scenario.RunAsync("2025-12-01T12:00:00Z", "included");
        await _scenario.RunAsync("2025-12-01T12:00:00Z", "prorated");

        Assert.Equal(2.50m, Assert.Single(await _scenario.InvoicesAsync("included")).MinutesAmount);
        Assert.Equal(100.00m, Assert.Single(await _scenario.InvoicesAsync("prorated")).FixedFee); // 10 of 30 days
    }

    [Fact]
    public async Task Minute_amounts_round_half_away_from_zero_like_money_does()
    {
        await _scenario.ClientAsync("midpoint", fee: 0m, rate: 0.125m, billingStart: new DateOnly(2025, 11, 1));
        await _scenario.CallAsync("midpoint", "2025-11-10T10:00:00Z", 60);

        await _scenario.RunAsync("2025-12-01T12:00:00Z", "midpoint");

        Assert.Equal(Billing.Domain.Common.Money.RoundLine(0.125m), Assert.Single(await _scenario.InvoicesAsync("midpoint")).MinutesAmount);
    }

    [Theory]
    // seconds billed, rate, included minutes, the exact amount's rounding (half away from zero)
    [InlineData(3602, "0.15", 0, "9.01")]   // 9.005: seconds / 60 first would truncate to 9.00499... and round down
    [InlineData(2, "0.15", 0, "0.01")]      // 0.005
    [InlineData(6, "0.05", 0, "0.01")]      // 0.005
    [InlineData(90, "0.0033", 0, "0.00")]   // 0.00495
    [InlineData(602, "0.15", 10, "0.01")]   // 2 s past the included 10 minutes: 0.005
    [InlineData(599, "0.15", 10, "0.00")]   // within the included minutes: nothing, never negative
    [InlineData(7203, "0.0500", 0, "6.00")] // 6.0025
    [InlineData(8142, "0.4111", 0, "55.79")] // 55.786...
    public async Task Minute_amounts_at_and_near_midpoints_are_rounded_like_money_does(int seconds, string rate, int included, string expected)
    {
        var clientId = $"midpoint_{seconds}_{rate.Replace(".", "")}_{included}";
        var perMinute = decimal.Parse(rate, System.Globalization.CultureInfo.InvariantCulture);
        await _scenario.ClientAsync(clientId, fee: 0m, rate: perMinute, billingStart: new DateOnly(2025, 11, 1), configure: c =>
        {
            c.MinuteRounding = Billing.Domain.Usage.MinuteRounding.PerSecond;
            c.IncludedMinutes = included;
        });
        await _scenario.CallAsync(clientId, "2025-11-10T10:00:00Z", seconds / 2);
        await _scenario.CallAsync(clientId, "2025-11-11T10:00:00Z", seconds - seconds / 2);

        await _scenario.RunAsync("2025-12-01T12:00:00Z", clientId);

        var invoice = Assert.Single(await _scenario.InvoicesAsync(clientId));
        var exact = Math.Max(0m, seconds - included * 60m) * perMinute / 60m;
        Assert.Equal(Billing.Domain.Common.Money.RoundLine(exact), invoice.MinutesAmount);
        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), invoice.MinutesAmount);
        Assert.Equal(invoice.MinutesAmount, invoice.Total);
    }

    [Fact]
    public async Task Calls_before_the_clients_first_period_are_not_billed_as_late_usage()
    {
        await _scenario.ClientAsync("new_client", billingStart: new DateOnly(2025, 11, 15));
        var trial = await _scenario.CallAsync("new_client", "2025-10-20T10:00:00Z", 600); // before the first period (1-30 Nov)
        var billed = await _scenario.CallAsync("new_client", "2025-11-05T10:00:00Z", 60);  // in the first, partial period

        await _scenario.RunAsync("2025-12-01T12:00:00Z", "new_client");

        var invoice = Assert.Single(await _scenario.InvoicesAsync("new_client"));
        Assert.Empty(invoice.LateUsage);
        Assert.Equal((1, 1m, 800.56m), (invoice.TotalCalls, invoice.Minutes, invoice.Total));
        var billedBy = await _scenario.BilledByAsync("new_client");
        Assert.Equal((null, invoice.Id), (billedBy[trial], billedBy[billed]));
    }

    [Fact]
    public async Task The_preview_during_the_grace_window_leaves_the_closing_periods_calls_to_its_own_invoice()
    {
        await _scenario.ClientAsync("closing", billingStart: new DateOnly(2025, 11, 1));
        await _scenario.CallAsync("closing", "2025-11-30T20:00:00Z", 120); // November, not invoiced yet (grace until 04:00Z)
        await _scenario.CallAsync("closing", "2025-11-30T23:00:00Z", 60);  // December
        _scenario.Clock.SetUtcNow(DateTimeOffset.Parse("2025-12-01T01:00:00Z"));

        await using (var scope = _scenario.Services.CreateAsyncScope())
        {
            var preview = await scope.ServiceProvider.GetRequiredService<BillingCycle>().PreviewAsync("closing", default);
            Assert.NotNull(preview);
            Assert.Equal(("2025-12", 1, 800.56m), (preview.Period, preview.TotalCalls, preview.Total));
            Assert.Empty(preview.LateUsage);
            Assert.Null(preview.Number);
        }

        var run = await _scenario.RunAsync("2025-12-01T04:00:00Z", "closing");
        Assert.Equal((2m, 801.12m), (Assert.Single(run.Invoices).Minutes, run.Invoices[0].Total));
    }

    [Fact]
    public async Task Periods_around_the_march_dst_weekend_start_and_end_at_local_midnight()
    {
        await _scenario.ClientAsync("spring", billingStart: new DateOnly(2025, 3, 1));
        await _scenario.CallAsync("spring", "2025-03-30T00:30:00Z", 60);  // 02:30 EET, before clocks jump from 03:00 to 04:00
        await _scenario.CallAsync("spring", "2025-03-30T01:30:00Z", 60);  // 04:30 EEST, after the jump
        await _scenario.CallAsync("spring", "2025-03-31T20:59:59Z", 60);  // 23:59:59 EEST on 31 March: still March
        await _scenario.CallAsync("spring", "2025-03-31T21:00:00Z", 120); // 00:00 on 1 April

        var run = await _scenario.RunAsync("2025-05-01T12:00:00Z", "spring");

        Assert.Equal(["2025-03", "2025-04"], run.Invoices.Select(i => i.Period));
        Assert.Equal((new DateOnly(2025, 3, 1), new DateOnly(2025, 4, 1), 3, 3m), (run.Invoices[0].PeriodStart, run.Invoices[0].PeriodEnd,
            run.Invoices[0].TotalCalls, run.Invoices[0].Minutes));
        Assert.Equal((1, 2m), (run.Invoices[1].TotalCalls, run.Invoices[1].Minutes));
    }

    [Fact]
    public async Task With_reconciliation_turned_off_vapi_is_not_called_and_invoices_say_they_are_unreconciled()
    {
        await _scenario.ClientAsync("no_reconcile", billingStart: new DateOnly(2025, 11, 1));

        var run = await _scenario.RunAsync("2025-12-01T12:00:00Z", "no_reconcile");

        Assert.Equal("disabled", run.Reconciliation);
        Assert.False(Assert.Single(run.Invoices).Reconciled);
        await _scenario.Vapi.DidNotReceiveWithAnyArgs().ListCallsAsync(default!, default, default, default, default);
    }

    [Fact]
    public async Task Unpaid_invoices_past_their_due_date_become_overdue()
    {
        await _scenario.ClientAsync("slow_payer", billingStart: new DateOnly(2025, 11, 1));
        await _scenario.RunAsync("2025-12-01T12:00:00Z", "slow_payer"); // due 16 Dec
        await _scenario.RunAsync("2025-12-16T12:00:00Z", "slow_payer");
        Assert.Equal(InvoiceStatus.Pending, Assert.Single(await _scenario.InvoicesAsync("slow_payer")).Status);

        await _scenario.RunAsync("2025-12-16T22:00:00Z", "slow_payer"); // 17 Dec, 00:00 in Bucharest

        Assert.Equal(InvoiceStatus.Overdue, Assert.Single(await _scenario.InvoicesAsync("slow_payer")).Status);
    }

    [Fact]
    public async Task Billing_day_28_and_a_year_end_period_use_the_clients_own_periods()
    {
        await _scenario.ClientAsync("day28", billingDay: 28, billingStart: new DateOnly(2025, 12, 28));
        await _scenario.CallAsync("day28", "2026-01-27T21:59:59Z", 60); // 23:59:59 local on 27 Jan: last second of the period
        await _scenario.CallAsync("day28", "2026-01-27T22:00:00Z", 60); // the next period

        await _scenario.RunAsync("2026-01-28T12:00:00Z", "day28");

        var invoice = Assert.Single(await _scenario.InvoicesAsync("day28"));
        Assert.Equal(("2025-12", new DateOnly(2025, 12, 28), new DateOnly(2026, 1, 28), 1), (invoice.Period, invoice.PeriodStart, invoice.PeriodEnd, invoice.TotalCalls));
        Assert.StartsWith("VAI-2026-", invoice.Number);
    }

    [Fact]
    public async Task After_an_invoice_written_by_raw_sql_the_cycle_bills_the_next_period_of_the_clients_billing_day()
    {
        await _scenario.ClientAsync("seed_style", billingDay: 15, billingStart: new DateOnly(2025, 9, 15));
        await using (var db = database.CreateContext())
        {
            // As the seed's users insert invoices: no period dates.
            await db.Database.ExecuteSqlRawAsync("""
                INSERT INTO "Factura" ("clientId", "perioada", "minuteTotale", "totalCalls", "successfulCalls", "costMinute", "taxaFixa", "totalDePlata", "dueDate")
                VALUES ('seed_style', '2025-10', 0, 0, 0, 0, 800, 800, '2025-12-01')
                """);
        }
        await _scenario.CallAsync("seed_style", "2025-11-20T10:00:00Z", 60);

        var run = await _scenario.RunAsync("2025-12-16T12:00:00Z", "seed_style");

        Assert.Equal(0, run.InvoicesSkipped); // the invoiced period is not attempted again
        var invoice = Assert.Single(run.Invoices);
        Assert.Equal(("2025-11", new DateOnly(2025, 11, 15), new DateOnly(2025, 12, 15), 1),
            (invoice.Period, invoice.PeriodStart, invoice.PeriodEnd, invoice.TotalCalls));
    }

    [Fact]
    public async Task Missed_calls_are_recovered_from_vapi_before_invoicing()
    {
        await using var scenario = new BillingScenario(database, new() { ["Billing:ReconciliationEnabled"] = "true" });
        await scenario.ClientAsync("reconciled", billingStart: new DateOnly(2025, 11, 1));
        var missed = JsonNode.Parse(Fixtures.Vapi("calls-list-page.json"))!.AsArray()[2]!.AsObject();
        missed["id"] = "f0f0f0f0-0000-4000-8000-000000000001";
        missed["assistantId"] = "asst_reconciled";
        scenario.Vapi.ListCallsAsync(VapiCallFilter.Assistant("asst_reconciled"), Arg.Any<DateTimeOffset>(), Arg.Any<DateTimeOffset>(), Arg.Any<int>(), Arg.Any<CancellationToken>())
            .Returns([JsonDocument.Parse(missed.ToJsonString()).RootElement]);

        var run = await scenario.RunAsync("2025-12-01T12:00:00Z", "reconciled");

        Assert.Equal(("ok", 1, 1), (run.Reconciliation, run.CallsFound, run.CallsInserted));
        var invoice = Assert.Single(run.Invoices);
        Assert.True(invoice.Reconciled);
        Assert.Equal((1, 3m, 801.68m), (invoice.TotalCalls, invoice.Minutes, invoice.Total));
    }

    [Fact]
    public async Task When_vapi_is_unreachable_the_invoice_is_issued_unreconciled_and_the_run_says_so()
    {
        await using var scenario = new BillingScenario(database, new() { ["Billing:ReconciliationEnabled"] = "true" });
        await scenario.ClientAsync("unreconciled", billingStart: new DateOnly(2025, 11, 1));
        scenario.Vapi.ListCallsAsync(default!, default, default, default, default).ReturnsForAnyArgs<Task<IReadOnlyList<JsonElement>>>(
            _ => throw new VapiUnavailableException("Vapi's API answered 500 Internal Server Error."));

        var run = await scenario.RunAsync("2025-12-01T12:00:00Z", "unreconciled");

        Assert.Equal("failed", run.Reconciliation);
        Assert.False(Assert.Single(run.Invoices).Reconciled);
        await using var db = database.CreateContext();
        Assert.Equal("failed", (await db.BillingRuns.SingleAsync(r => r.Id == run.RunId)).Reconciliation);
    }
}
