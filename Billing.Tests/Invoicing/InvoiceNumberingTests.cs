using Billing.Domain.Invoicing;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Invoicing;

/// <summary>Numbers are counted per series and year over the whole database, so these tests have one of their own.</summary>
public sealed class InvoiceNumberingTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static async Task<bool> SetNextAsync(BillingScenario scenario, int year, long next)
    {
        await using var scope = scenario.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<BillingCycle>().SetNextInvoiceNumberAsync(year, next, default);
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
}
