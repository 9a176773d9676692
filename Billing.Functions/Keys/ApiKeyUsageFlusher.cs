using Billing.Domain.Access;
using Billing.Domain.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Keys;

/// <summary>Writes the keys' <c>lastUsedAt</c> once a minute, off the request path (<see cref="ApiKeyUsage"/>).</summary>
internal sealed class ApiKeyUsageFlusher(IServiceScopeFactory scopes, ApiKeyUsage usage, ILogger<ApiKeyUsageFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ApiKeyUsage.FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: one last write, bounded, so a scale-in keeps the last minute.
            using var last = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await FlushAsync(last.Token);
        }
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            await usage.FlushAsync(scope.ServiceProvider.GetRequiredService<BillingDbContext>(), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Best effort: a key's last use is information, never a reason to fail a request or the host.
            logger.LogWarning(e, "Writing API keys' lastUsedAt failed; it is retried at the next flush");
        }
    }
}
