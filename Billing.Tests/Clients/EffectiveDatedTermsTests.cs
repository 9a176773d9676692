using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Billing.Domain.Usage;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Tests.Clients;

/// <summary>
/// A period is billed with the terms in force at its start, whenever the cycle runs: dr_serban's November (120 min at
/// 0.56 + 800) stays 867.20 whichever moment its rate changes, and each invoice keeps its own period's terms.
/// </summary>
public sealed class EffectiveDatedTermsTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private BillingScenario _scenario = null!;

    public ValueTask InitializeAsync()
    {
        _scenario = new BillingScenario(database);
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _scenario.DisposeAsync();

    /// <summary>120 billable minutes in November, as in the seed example.</summary>
    private async Task NovemberOf120MinutesAsync(string clientId)
    {
        await _scenario.ClientAsync(clientId, billingStart: new DateOnly(2025, 11, 1));
        for (var i = 0; i < 40; i++)
        {
            await _scenario.CallAsync(clientId, $"2025-11-{1 + i % 28:D2}T08:00:00Z", 180);
        }
    }

    private void At(string instant) => _scenario.Clock.SetUtcNow(DateTimeOffset.Parse(instant));

    [Fact]
    public async Task A_rate_changed_mid_period_applies_from_the_next_period_and_November_stays_867_20()
    {
        await NovemberOf120MinutesAsync("mid_period");
        At("2025-11-15T10:00:00Z");
        await _scenario.ChangeAsync("mid_period", new ClientService.ClientChanges(PricePerMinute: 2.00m));
        await _scenario.CallAsync("mid_period", "2025-11-20T08:00:00Z", 0, "customer-did-not-answer");
        await _scenario.CallAsync("mid_period", "2025-12-03T08:00:00Z", 600); // 10 min in December

        await _scenario.RunAsync("2026-01-01T12:00:00Z", "mid_period");

        var invoices = await _scenario.InvoicesAsync("mid_period");
        var november = Assert.Single(invoices, i => i.Period == "2025-11");
        Assert.Equal((120m, 0.56m, 67.20m, 867.20m), (november.Minutes, november.PricePerMinute!.Value, november.MinutesAmount, november.Total));
        Assert.Equal((new DateOnly(2025, 11, 1), 800m, MinuteRounding.PerMinute, "Europe/Bucharest"),
            (november.TermsFrom!.Value, november.MonthlyFee!.Value, november.MinuteRounding!.Value, november.TimeZone));
        var december = Assert.Single(invoices, i => i.Period == "2025-12");
        Assert.Equal((2.00m, 20.00m, 820.00m, new DateOnly(2025, 12, 1)),
            (december.PricePerMinute!.Value, december.MinutesAmount, december.Total, december.TermsFrom!.Value));
    }

    [Fact]
    public async Task A_rate_changed_from_the_open_periods_start_bills_that_whole_period_and_leaves_the_invoiced_one_alone()
    {
        await _scenario.ClientAsync("open_start", billingStart: new DateOnly(2025, 10, 1));
        await _scenario.CallAsync("open_start", "2025-10-10T08:00:00Z", 600);
        await _scenario.RunAsync("2025-11-01T12:00:00Z", "open_start"); // October invoiced at 0.56
        for (var i = 0; i < 40; i++)
        {
            await _scenario.CallAsync("open_start", $"2025-11-{1 + i % 28:D2}T08:00:00Z", 180);
        }

        At("2025-11-15T10:00:00Z");
        await _scenario.ChangeAsync("open_start", new ClientService.ClientChanges(PricePerMinute: 2.00m, EffectiveFrom: new DateOnly(2025, 11, 1)));
        await _scenario.RunAsync("2025-12-01T12:00:00Z", "open_start");

        var invoices = await _scenario.InvoicesAsync("open_start");
        Assert.Equal([("2025-10", 0.56m, 805.60m), ("2025-11", 2.00m, 1040.00m)],
            invoices.Select(i => (i.Period, i.PricePerMinute!.Value, i.Total)));
        // The open period's recorded calls were priced again too: UsageLog.cost is the call at its period's rate.
        await using var db = database.CreateContext();
        var novemberCall = await db.UsageLogs.FirstAsync(u => u.ClientId == "open_start" && u.StartedAt > new DateTimeOffset(2025, 11, 1, 0, 0, 0, TimeSpan.Zero));
        Assert.Equal(6.00m, novemberCall.Cost);
    }

    [Fact]
    public async Task A_rate_changed_in_the_grace_window_cannot_reach_November_which_keeps_867_20()
    {
        await NovemberOf120MinutesAsync("grace_window");
        At("2025-12-01T01:00:00Z"); // November closed at 2025-11-30T22:00Z; the cycle waits 6 h of grace before invoicing it

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _scenario.ChangeAsync("grace_window",
            new ClientService.ClientChanges(PricePerMinute: 2.00m, EffectiveFrom: new DateOnly(2025, 11, 1))));
        Assert.Equal("effectiveFrom", refused.Field);
        await _scenario.ChangeAsync("grace_window", new ClientService.ClientChanges(PricePerMinute: 2.00m, EffectiveFrom: new DateOnly(2025, 12, 1)));
        await _scenario.RunAsync("2025-12-01T12:00:00Z", "grace_window");

        var november = Assert.Single(await _scenario.InvoicesAsync("grace_window"));
        Assert.Equal((0.56m, 867.20m), (november.PricePerMinute!.Value, november.Total));
    }

    [Fact]
    public async Task An_effective_date_that_is_not_a_period_start_is_refused_naming_effectiveFrom_and_an_invoiced_period_is_a_conflict()
    {
        await _scenario.ClientAsync("dates", billingStart: new DateOnly(2025, 10, 1));
        await _scenario.RunAsync("2025-11-01T12:00:00Z", "dates");
        At("2025-11-15T10:00:00Z");

        var notAStart = await Assert.ThrowsAsync<InvalidInputException>(() => _scenario.ChangeAsync("dates",
            new ClientService.ClientChanges(MonthlyFee: 900m, EffectiveFrom: new DateOnly(2025, 12, 15))));
        Assert.Equal(["effectiveFrom"], notAStart.Errors.ToDictionary().Keys);
        var invoiced = await Assert.ThrowsAsync<ConflictException>(() => _scenario.ChangeAsync("dates",
            new ClientService.ClientChanges(MonthlyFee: 900m, EffectiveFrom: new DateOnly(2025, 10, 1))));
        Assert.Equal("effectiveFrom", invoiced.Field);

        await using var db = database.CreateContext();
        Assert.Equal([new DateOnly(2025, 10, 1)], await db.ClientTerms.Where(t => t.ClientId == "dates").Select(t => t.EffectiveFrom).ToListAsync());
    }

    [Fact]
    public async Task Scheduled_terms_are_replaced_by_a_second_change_for_the_same_start_and_every_change_is_audited()
    {
        await _scenario.ClientAsync("scheduled", billingStart: new DateOnly(2025, 10, 1));
        At("2025-11-15T10:00:00Z");
        await _scenario.ChangeAsync("scheduled", new ClientService.ClientChanges(MonthlyFee: 900m));
        await _scenario.ChangeAsync("scheduled", new ClientService.ClientChanges(PricePerMinute: 0.60m, EffectiveFrom: new DateOnly(2026, 1, 1)));
        await _scenario.ChangeAsync("scheduled", new ClientService.ClientChanges(MonthlyFee: 950m));

        await using var db = database.CreateContext();
        var rows = await db.ClientTerms.AsNoTracking().Where(t => t.ClientId == "scheduled").OrderBy(t => t.EffectiveFrom).ToListAsync();
        // The fee change from December carries into the row scheduled for January, which keeps its own rate.
        Assert.Equal([(new DateOnly(2025, 10, 1), 800m, 0.56m), (new DateOnly(2025, 12, 1), 950m, 0.56m), (new DateOnly(2026, 1, 1), 950m, 0.60m)],
            rows.Select(r => (r.EffectiveFrom, r.MonthlyFee, r.PricePerMinute)));
        var client = await db.Clients.AsNoTracking().SingleAsync(c => c.ClientId == "scheduled");
        Assert.Equal((950m, 0.60m), (client.MonthlyFee, client.PricePerMinute)); // the latest row

        var audit = await db.AuditEntries.AsNoTracking().Where(a => a.ClientId == "scheduled" && a.Action == "terms").OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(4, audit.Count); // December created; January created; both changed by the third change
        Assert.Null(audit[0].Before);
        Assert.Equal(900m, System.Text.Json.JsonDocument.Parse(audit[0].After!).RootElement.GetProperty("monthlyFee").GetDecimal());
        Assert.All(audit, a => Assert.Equal("cli:operator", a.Actor));
    }

    [Fact]
    public async Task The_billing_day_cannot_change_once_the_client_has_invoices()
    {
        await _scenario.ClientAsync("billing_day", billingStart: new DateOnly(2025, 10, 1));
        await _scenario.RunAsync("2025-11-01T12:00:00Z", "billing_day");

        var refused = await Assert.ThrowsAsync<ConflictException>(() => _scenario.ChangeAsync("billing_day",
            new ClientService.ClientChanges(BillingDay: 15)));
        Assert.Equal("billingDay", refused.Field);
        await using var db = database.CreateContext();
        Assert.Equal(1, (await db.Clients.AsNoTracking().SingleAsync(c => c.ClientId == "billing_day")).BillingDay);
    }

    [Fact]
    public async Task Before_its_first_invoice_a_clients_billing_day_moves_its_first_terms_with_it()
    {
        await _scenario.ClientAsync("new_day", billingStart: new DateOnly(2025, 11, 10));
        await _scenario.ChangeAsync("new_day", new ClientService.ClientChanges(BillingDay: 10));

        await using var db = database.CreateContext();
        Assert.Equal(new DateOnly(2025, 11, 10), (await db.ClientTerms.AsNoTracking().SingleAsync(t => t.ClientId == "new_day")).EffectiveFrom);
    }

    [Fact]
    public async Task Late_usage_is_the_periods_price_over_all_its_calls_minus_what_was_invoiced_so_the_allowance_is_honoured()
    {
        await _scenario.ClientAsync("allowance", billingStart: new DateOnly(2025, 11, 1), configure: c => c.IncludedMinutes = 200m);
        for (var i = 0; i < 40; i++)
        {
            await _scenario.CallAsync("allowance", $"2025-11-{1 + i % 28:D2}T08:00:00Z", 180); // 120 min, under the 200 included
        }
        await _scenario.RunAsync("2025-12-01T12:00:00Z", "allowance");
        for (var i = 0; i < 10; i++)
        {
            await _scenario.CallAsync("allowance", "2025-11-20T08:00:00Z", 360); // 60 late minutes: 180 in all, still included
        }
        await _scenario.RunAsync("2026-01-01T12:00:00Z", "allowance");
        for (var i = 0; i < 10; i++)
        {
            await _scenario.CallAsync("allowance", "2025-11-21T08:00:00Z", 300); // 50 more: 230 in all, 30 beyond the allowance
        }
        await _scenario.RunAsync("2026-02-01T12:00:00Z", "allowance");

        var invoices = await _scenario.InvoicesAsync("allowance");
        Assert.Equal([("2025-11", 0m, 800m), ("2025-12", 0m, 800m), ("2026-01", 16.80m, 816.80m)],
            invoices.Select(i => (i.Period, i.LateUsageAmount, i.Total)));
        Assert.Equal(("2025-11", 10, 60m, 0m), invoices[1].LateUsage.Select(l => (l.OriginalPeriod, l.Calls, l.Minutes, l.Amount)).Single());
        Assert.Equal(("2025-11", 10, 50m, 16.80m), invoices[2].LateUsage.Select(l => (l.OriginalPeriod, l.Calls, l.Minutes, l.Amount)).Single());
    }

    [Fact]
    public async Task Late_usage_is_priced_with_its_own_periods_terms_not_the_current_ones()
    {
        await NovemberOf120MinutesAsync("late_terms");
        await _scenario.RunAsync("2025-12-01T12:00:00Z", "late_terms");
        At("2025-12-05T10:00:00Z");
        await _scenario.ChangeAsync("late_terms", new ClientService.ClientChanges(PricePerMinute: 2.00m, EffectiveFrom: new DateOnly(2025, 12, 1)));
        await _scenario.CallAsync("late_terms", "2025-11-25T08:00:00Z", 600); // 10 late minutes of November

        await _scenario.RunAsync("2026-01-01T12:00:00Z", "late_terms");

        var december = Assert.Single(await _scenario.InvoicesAsync("late_terms"), i => i.Period == "2025-12");
        Assert.Equal(("2025-11", 5.60m), december.LateUsage.Select(l => (l.OriginalPeriod, l.Amount)).Single());
        Assert.Equal((2.00m, 805.60m), (december.PricePerMinute!.Value, december.Total));
    }
}
