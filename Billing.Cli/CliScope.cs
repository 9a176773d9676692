using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

internal static class CliScope
{
    /// <summary>Runs a command body with a scope of the app's services.</summary>
    public static async Task<int> RunAsync(CliEnvironment environment, CancellationToken ct, Func<IServiceProvider, Task<int>> body)
    {
        await using var services = await CliServices.BuildAsync(environment, ct);
        await using var scope = services.CreateAsyncScope();
        return await body(scope.ServiceProvider);
    }
}

/// <summary>A clock that stands still, for reproducible runs (the demo bills a fixed month).</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
