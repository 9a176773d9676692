using Billing.Tests.Infrastructure;
using Billing.Tests.Reports;

namespace Billing.Tests.Clients;

/// <summary>Terms over HTTP: effectiveFrom on PATCH /api/clients/{id}, current and scheduled terms, the history.</summary>
public sealed class ClientTermsApiTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Terms_change_from_a_period_start_and_a_client_shows_its_current_and_scheduled_terms()
    {
        // A has invoices for October and November; it is 2 December, so December is the open period.
        await using var world = await ReportingWorld.CreateAsync(database, "terms");
        var path = $"/api/clients/{world.A}";

        var notAStart = await world.Api.SendAsync("PATCH", path, world.AdminKey, """{"pricePerMinute":2,"effectiveFrom":"2025-12-15"}""");
        var invoiced = await world.Api.SendAsync("PATCH", path, world.AdminKey, """{"pricePerMinute":2,"effectiveFrom":"2025-11-01"}""");
        var newDay = await world.Api.SendAsync("PATCH", path, world.AdminKey, """{"billingDay":15}""");
        var scheduled = await world.Api.SendAsync("PATCH", path, world.AdminKey, """{"pricePerMinute":2}""");

        Assert.Equal((422, 409, 409, 200), (notAStart.Status, invoiced.Status, newDay.Status, scheduled.Status));
        Assert.True(notAStart.Json.GetProperty("errors").TryGetProperty("effectiveFrom", out _), notAStart.Body);
        Assert.True(invoiced.Json.GetProperty("errors").TryGetProperty("effectiveFrom", out _), invoiced.Body);
        Assert.True(newDay.Json.GetProperty("errors").TryGetProperty("billingDay", out _), newDay.Body);
        var terms = scheduled.Json.GetProperty("terms");
        Assert.Equal(("0.56", "0.56"), (scheduled.Json.GetProperty("pricePerMinute").GetString(),
            terms.GetProperty("current").GetProperty("pricePerMinute").GetString()));
        var next = Assert.Single(terms.GetProperty("scheduled").EnumerateArray());
        Assert.Equal(("2026-01-01", "2.00"), (next.GetProperty("effectiveFrom").GetString(), next.GetProperty("pricePerMinute").GetString()));

        var history = await world.Api.GetAsync($"{path}/terms", world.KeyA);
        Assert.Equal(200, history.Status);
        Assert.Equal("2025-10-01", history.Json.GetProperty("currentFrom").GetString());
        Assert.Equal([("2025-10-01", "0.56"), ("2026-01-01", "2.00")], history.Json.GetProperty("terms").EnumerateArray()
            .Select(t => (t.GetProperty("effectiveFrom").GetString(), t.GetProperty("pricePerMinute").GetString())));
        Assert.Equal(404, (await world.Api.GetAsync($"{path}/terms", world.KeyB)).Status);
    }
}
