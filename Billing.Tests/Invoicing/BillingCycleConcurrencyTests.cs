using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Billing.Tests.Invoicing;

/// <summary>Numbering and catch-up get a database of their own: they count every invoice of a series (twins use 2025, catch-up 2026).</summary>
public sealed class BillingCycleConcurrencyTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Two_runs_at_once_produce_what_one_run_produces()
    {
        await using var scenario = new BillingScenario(database);
        for (var c = 0; c < 20; c++)
        {
            await scenario.ClientAsync($"twin_{c:D2}", billingStart: new DateOnly(2025, 10, 1));
            await scenario.CallAsync($"twin_{c:D2}", "2025-10-15T10:00:00Z", 60 * (c + 1));
        }

        var runs = await Task.WhenAll(
            Task.Run(() => scenario.RunAsync("2025-12-01T12:00:00Z", clientId: null)),
            Task.Run(() => scenario.RunAsync("2025-12-01T12:00:00Z", clientId: null)));

        Assert.Equal(40, runs.Sum(r => r.InvoicesCreated));
        await using var db = database.CreateContext();
        var invoices = await db.Invoices.AsNoTracking().Where(i => i.ClientId.StartsWith("twin_")).OrderBy(i => i.Number).ToListAsync();
        Assert.Equal(40, invoices.Count);
        Assert.Equal(Enumerable.Range(1, 40).Select(n => $"VAI-2025-{n:D6}"), invoices.Select(i => i.Number));
        for (var c = 0; c < 20; c++)
        {
            var billedBy = Assert.Single((await scenario.BilledByAsync($"twin_{c:D2}")).Values);
            Assert.Equal(invoices.Single(i => i.ClientId == $"twin_{c:D2}" && i.Period == "2025-10").Id, billedBy);
        }
        Assert.Equal(Enumerable.Range(1, 20).Sum(m => 0.56m * m) + 40 * 800m, invoices.Sum(i => i.Total));
    }

    [Fact]
    public async Task After_a_week_of_missed_runs_one_run_bills_every_closed_period_oldest_first_with_gapless_numbers()
    {
        await using var scenario = new BillingScenario(database);
        await scenario.ClientAsync("catch_up", billingStart: new DateOnly(2026, 1, 1));
        await scenario.CallAsync("catch_up", "2026-01-10T10:00:00Z", 60);
        await scenario.CallAsync("catch_up", "2026-02-10T10:00:00Z", 120);
        await scenario.CallAsync("catch_up", "2026-03-10T10:00:00Z", 180);

        var run = await scenario.RunAsync("2026-04-08T12:00:00Z", "catch_up"); // the timer was down from 1 to 8 April

        Assert.Equal(["2026-01", "2026-02", "2026-03"], run.Invoices.Select(i => i.Period));
        var numbers = run.Invoices.Select(i => long.Parse(i.Number![^6..])).ToList();
        Assert.Equal(Enumerable.Range((int)numbers[0], 3).Select(n => (long)n), numbers);
        Assert.Equal([1m, 2m, 3m], run.Invoices.Select(i => i.Minutes));
        Assert.Empty((await scenario.RunAsync("2026-04-08T13:00:00Z", "catch_up")).Invoices);
    }
}
