using System.Collections.Concurrent;
using System.Diagnostics;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Tests.Reliability;

/// <summary>
/// Restart under load: 8 senders deliver end-of-call reports through the webhook's real pipeline while the cluster is
/// restarted (<c>pg_ctl restart -m fast</c>, and <c>-m immediate</c>, a crash, in the full set). Every delivery that got
/// a 2xx is stored exactly once, every other got 503 with Retry-After, and redelivering all of them adds nothing.
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait("Category", "Reliability")]
public sealed class RestartUnderLoadTests(ReliabilityDatabase fixture) : IClassFixture<ReliabilityDatabase>
{
    private readonly TestDatabase _database = fixture.Database;

    [Fact]
    public async Task Every_acknowledged_delivery_is_stored_once_across_restarts_and_redelivery_adds_nothing()
    {
        await using var services = await fixture.WebhookServicesAsync();
        string[] restarts = ReliabilityReport.Full ? ["fast", "immediate", "fast"] : ["fast"];
        var duration = TimeSpan.FromSeconds(ReliabilityReport.Full ? 30 : 6);
        var answers = new ConcurrentBag<(string CallId, int Status, bool RetryAfter)>();
        var sent = 0;
        using var stop = new CancellationTokenSource();

        var senders = Enumerable.Range(0, 8).Select(sender => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var callId = $"0000beef-{sender:D4}-4000-8000-{Interlocked.Increment(ref sent):D12}";
                var response = await Webhook.PostAsync(services, Webhook.Report(callId));
                answers.Add((callId, response.Status, response.Headers.RetryAfter.Count > 0));
            }
        })).ToList();
        var clock = Stopwatch.StartNew();
        foreach (var mode in restarts)
        {
            await Task.Delay(duration / (restarts.Length + 1));
            await PostgresServer.LocalClusterAsync(ReliabilityServer.Name, "restart", mode);
            ReliabilityReport.Add($"faults injected: restart -m {mode} under load", 1);
        }
        await Task.Delay(duration - clock.Elapsed is { } left && left > TimeSpan.Zero ? left : TimeSpan.Zero);
        await stop.CancelAsync();
        await Task.WhenAll(senders);
        // The test's own reads share the app's pool, whose idle connections the restart closed.
        NpgsqlConnection.ClearPool(new NpgsqlConnection(_database.ConnectionString));

        var acknowledged = answers.Where(a => a.Status is >= 200 and < 300).Select(a => a.CallId).ToHashSet();
        var refused = answers.Where(a => a.Status is < 200 or >= 300).ToList();
        var stored = await StoredAsync(answers.Select(a => a.CallId).ToList());
        ReliabilityReport.Add("restart: deliveries sent", answers.Count);
        ReliabilityReport.Add("restart: deliveries acknowledged (2xx)", acknowledged.Count);
        ReliabilityReport.Add("restart: deliveries refused with 503 + Retry-After", refused.Count(r => r.Status == 503 && r.RetryAfter));
        ReliabilityReport.Add("restart: acknowledged calls lost (target 0)", acknowledged.Count(id => !stored.ContainsKey(id)));
        ReliabilityReport.Add("restart: duplicates (target 0)", stored.Values.Count(n => n > 1));
        ReliabilityReport.Add("unexpected 5xx (target 0)", refused.Count(r => r.Status >= 500 && !(r.Status == 503 && r.RetryAfter)));

        Assert.True(acknowledged.Count > 0 && refused.Count > 0, $"{acknowledged.Count} acknowledged, {refused.Count} refused: the restart hit no delivery");
        Assert.All(refused, r => Assert.True(r.Status == 503 && r.RetryAfter, $"{r.CallId}: {r.Status}"));
        Assert.All(acknowledged, id => Assert.Equal(1, stored.GetValueOrDefault(id)));

        // Vapi's retry: every delivery again, acknowledged or not.
        foreach (var chunk in answers.Select(a => a.CallId).Chunk(50))
        {
            var again = await Task.WhenAll(chunk.Select(id => Webhook.PostAsync(services, Webhook.Report(id))));
            Assert.All(again, r => Assert.Equal(200, r.Status));
        }
        var after = await StoredAsync(answers.Select(a => a.CallId).ToList());
        ReliabilityReport.Add("restart: redeliveries", answers.Count);
        ReliabilityReport.Add("restart: calls stored after redelivery", after.Count);
        Assert.Equal(answers.Count, after.Count);
        Assert.All(after.Values, n => Assert.Equal(1, n));
    }

    private async Task<Dictionary<string, int>> StoredAsync(List<string> callIds)
    {
        await using var db = _database.CreateContext();
        return await db.UsageLogs.Where(u => callIds.Contains(u.CallId)).GroupBy(u => u.CallId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count);
    }
}
