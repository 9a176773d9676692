using Billing.Functions.Infrastructure;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Functions;

public sealed class HealthFunctionTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Health_is_ok_when_the_migrated_database_answers()
    {
        await using var services = database.CreateServices();
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<HealthFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, path: "/api/health");

        var response = await HttpTesting.ExecuteAsync(await function.Health(context.Request, CancellationToken.None), context);

        Assert.Equal(200, response.Status);
        Assert.Equal("healthy", response.Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Health_is_a_503_problem_with_Retry_After_when_the_database_is_unreachable()
    {
        await using var services = database.CreateServices(settings: new Dictionary<string, string?>
        {
            ["ConnectionStrings:Billing"] = "Host=127.0.0.1;Port=1;Database=billing;Username=x;Password=y;Timeout=2",
        });
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<HealthFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, path: "/api/health");

        var response = await HttpTesting.ExecuteAsync(await function.Health(context.Request, CancellationToken.None), context);

        Assert.Equal(503, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType);
        Assert.Equal("30", response.Headers.RetryAfter.ToString());
        Assert.Equal("Database unavailable", response.Json.GetProperty("title").GetString());
    }
}
