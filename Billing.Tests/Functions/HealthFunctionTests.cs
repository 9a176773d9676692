using Billing.Domain.Access;
using Billing.Functions.Infrastructure;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Functions;

public sealed class HealthFunctionTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static async Task<HttpTesting.Response> HealthAsync(IServiceProvider services, Dictionary<string, string>? headers = null)
    {
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<HealthFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, path: "/api/health", headers: headers);
        return await HttpTesting.ExecuteAsync(await function.Health(context.Request, CancellationToken.None), context);
    }

    [Fact]
    public async Task An_anonymous_caller_learns_only_that_the_instance_is_up()
    {
        await using var services = database.CreateServices();

        var response = await HealthAsync(services);

        Assert.Equal(200, response.Status);
        Assert.Equal("up", response.Json.GetProperty("status").GetString());
        Assert.Equal(["status"], response.Json.EnumerateObject().Select(p => p.Name));
        Assert.Empty(OpenApiContract.Violations("Health", response.Status, response.ContentType, response.Body));
    }

    [Fact]
    public async Task Only_an_admin_key_reads_the_details()
    {
        await using var services = database.CreateServices();
        await using var scope = services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        var admin = (await keys.CreateAsync("health-admin", ApiKeyScope.Admin, null, null, default)).PlainKey;
        var reporting = (await keys.CreateAsync("health-bi", ApiKeyScope.Reporting, null, null, default)).PlainKey;

        var asAdmin = await HealthAsync(services, new() { ["Authorization"] = "Bearer " + admin });
        var asReporting = await HealthAsync(services, new() { ["Authorization"] = "Bearer " + reporting });

        Assert.Equal("ok", asAdmin.Json.GetProperty("database").GetString());
        Assert.True(asAdmin.Json.TryGetProperty("outbox", out _));
        Assert.Equal(["status"], asReporting.Json.EnumerateObject().Select(p => p.Name));
        Assert.Empty(OpenApiContract.Violations("Health", asAdmin.Status, asAdmin.ContentType, asAdmin.Body));
    }

    [Fact]
    public async Task Health_is_down_with_Retry_After_when_the_database_is_unreachable()
    {
        await using var services = database.CreateServices(settings: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Billing"] = "Host=127.0.0.1;Port=1;Database=billing;Username=x;Password=y;Timeout=2",
        });

        var response = await HealthAsync(services);

        Assert.Equal(503, response.Status);
        Assert.Equal("30", response.Headers.RetryAfter.ToString());
        Assert.Equal("down", response.Json.GetProperty("status").GetString());
        Assert.Equal(["status"], response.Json.EnumerateObject().Select(p => p.Name));
        Assert.Empty(OpenApiContract.Violations("Health", response.Status, response.ContentType, response.Body));
    }
}
