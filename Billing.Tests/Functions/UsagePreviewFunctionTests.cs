using Billing.Domain.Access;
using Billing.Functions.Invoicing;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Functions;

public sealed class UsagePreviewFunctionTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static async Task<string> KeyAsync(IServiceProvider services, ApiKeyScope scope, string? clientId)
    {
        await using var s = services.CreateAsyncScope();
        return (await s.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("test", scope, clientId, null, default)).PlainKey;
    }

    private static async Task<HttpTesting.Response> GetAsync(IServiceProvider services, string clientId, string? key)
    {
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<UsagePreviewFunction>(scope.ServiceProvider);
        var headers = key is null ? null : new Dictionary<string, string> { ["Authorization"] = "Bearer " + key };
        var context = HttpTesting.NewContext(scope.ServiceProvider, path: $"/api/clients/{clientId}/usage/current", headers: headers);
        return await HttpTesting.ExecuteAsync(await function.GetCurrentUsage(context.Request, clientId, default), context);
    }

    [Fact]
    public async Task A_client_key_previews_its_own_open_period_and_gets_404_for_any_other_client()
    {
        await using var scenario = new BillingScenario(database);
        scenario.Clock.SetUtcNow(new DateTimeOffset(2025, 11, 20, 10, 0, 0, TimeSpan.Zero));
        await scenario.ClientAsync("preview_a", billingStart: new DateOnly(2025, 11, 1));
        await scenario.ClientAsync("preview_b", billingStart: new DateOnly(2025, 11, 1));
        await scenario.CallAsync("preview_a", "2025-11-19T10:00:00Z", 125);
        var keyA = await KeyAsync(scenario.Services, ApiKeyScope.Client, "preview_a");

        var own = await GetAsync(scenario.Services, "preview_a", keyA);
        var other = await GetAsync(scenario.Services, "preview_b", keyA);
        var unknown = await GetAsync(scenario.Services, "no_such_client", keyA);
        var anonymous = await GetAsync(scenario.Services, "preview_a", null);

        Assert.Equal(200, own.Status);
        Assert.Equal(("2025-11", "3", "801.68", "RON"), (own.Json.GetProperty("period").GetString(), own.Json.GetProperty("minutes").GetString(),
            own.Json.GetProperty("total").GetString(), own.Json.GetProperty("currency").GetString()));
        Assert.Equal(404, other.Status);
        // Another client's id reads exactly like an unknown one, so ids do not leak.
        Assert.Equal(404, unknown.Status);
        Assert.Equal(other.Json.GetProperty("detail").GetString()!.Replace("preview_b", "X"),
            unknown.Json.GetProperty("detail").GetString()!.Replace("no_such_client", "X"));
        Assert.Equal(401, anonymous.Status);
        Assert.Empty(await scenario.InvoicesAsync("preview_a"));
    }
}
