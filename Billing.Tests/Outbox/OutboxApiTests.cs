using Billing.Cli;
using Billing.Domain.Access;
using Billing.Domain.Outbox;
using Billing.Functions.Infrastructure;
using Billing.Tests.Cli;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Outbox;

/// <summary>What operators see of the outbox: the admin listing, health's figures and the CLI.</summary>
public sealed class OutboxApiTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly OutboxWorld _world = new(database);

    public async ValueTask InitializeAsync()
    {
        await using var db = _world.Context();
        await db.OutboxMessages.ExecuteDeleteAsync();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Three messages: one sent, one dead after a refusal, one still pending an hour later.</summary>
    private async Task<(OutboxMessage Sent, OutboxMessage Dead, OutboxMessage Pending)> ThreeMessagesAsync(IServiceProvider instance)
    {
        var messages = await _world.WriteAsync(2, "api");
        _world.Receiver.Failing[messages[1].Key] = true;
        await OutboxWorld.Dispatcher(instance).RunAsync(default);
        var pending = (await _world.WriteAsync(1, "later")).Single();
        await using (var db = _world.Context())
        {
            await db.OutboxMessages.Where(m => m.Id == pending.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, _world.Clock.GetUtcNow().AddDays(1)));
        }
        _world.Clock.Advance(TimeSpan.FromHours(1));
        return (messages[0], messages[1], pending);
    }

    [Fact]
    public async Task An_admin_lists_dead_letters_with_their_last_error_and_other_keys_are_refused()
    {
        await using var instance = _world.Instance("api");
        var (_, dead, _) = await ThreeMessagesAsync(instance);
        string admin, reporting;
        await using (var scope = instance.CreateAsyncScope())
        {
            var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
            admin = (await keys.CreateAsync("ops", ApiKeyScope.Admin, null, null, default)).PlainKey;
            reporting = (await keys.CreateAsync("bi", ApiKeyScope.Reporting, null, null, default)).PlainKey;
        }
        var api = new Api(instance);

        var deadOnes = await api.GetAsync("/api/outbox?status=dead", admin);
        var all = await api.GetAsync("/api/outbox?limit=2", admin);
        var next = await api.GetAsync($"/api/outbox?limit=2&cursor={Uri.EscapeDataString(all.Json.GetProperty("nextCursor").GetString()!)}", admin);
        var byReporting = await api.GetAsync("/api/outbox", reporting);
        var badStatus = await api.GetAsync("/api/outbox?status=lost", admin);

        Assert.Equal(200, deadOnes.Status);
        var item = Assert.Single(deadOnes.Json.GetProperty("items").EnumerateArray());
        Assert.Equal(dead.Id, item.GetProperty("id").GetGuid());
        Assert.Equal("dead", item.GetProperty("status").GetString());
        Assert.Contains("550 no such mailbox", item.GetProperty("lastError").GetString());
        Assert.Equal(2, all.Json.GetProperty("items").GetArrayLength());
        Assert.Single(next.Json.GetProperty("items").EnumerateArray());
        Assert.Equal(403, byReporting.Status);
        Assert.Equal(400, badStatus.Status);
        Assert.True(badStatus.Json.GetProperty("errors").TryGetProperty("status", out _));
    }

    [Fact]
    public async Task Health_reports_dead_letters_the_oldest_pending_age_and_what_is_switched_off()
    {
        await using var instance = _world.Instance("health");
        await ThreeMessagesAsync(instance);
        await using var scope = instance.CreateAsyncScope();
        var admin = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("ops-health", ApiKeyScope.Admin, null, null, default)).PlainKey;
        var function = ActivatorUtilities.CreateInstance<HealthFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, path: "/api/health", headers: new() { ["Authorization"] = "Bearer " + admin });

        var response = await HttpTesting.ExecuteAsync(await function.Health(context.Request, default), context);

        Assert.Equal(200, response.Status);
        var outbox = response.Json.GetProperty("outbox");
        Assert.Equal((1, 1, 3600d), (outbox.GetProperty("pending").GetInt32(), outbox.GetProperty("dead").GetInt32(),
            outbox.GetProperty("oldestPendingAgeSeconds").GetDouble()));
        // The test receiver is on; e-mail has no SMTP server configured here.
        Assert.False(outbox.GetProperty("off").TryGetProperty(RecordingReceiver.Kind, out _));
        Assert.Empty(OpenApiContract.Violations("Health", response.Status, response.ContentType, response.Body));
    }

    [Fact]
    public async Task An_operator_finds_a_dead_letter_with_the_cli_and_sends_it_again()
    {
        await using var instance = _world.Instance("cli");
        var (_, dead, _) = await ThreeMessagesAsync(instance);
        var cli = new CliRunner(database, _world.Clock);

        var listed = await cli.RunAsync("outbox", "list", "--status", "dead");
        var retried = await cli.RunAsync("outbox", "retry", dead.Id.ToString());
        var again = await cli.RunAsync("outbox", "retry", dead.Id.ToString());
        var badStatus = await cli.RunAsync("outbox", "list", "--status", "lost");

        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(dead.Id.ToString(), listed.Out);
        Assert.Contains("550 no such mailbox", listed.Out);
        Assert.Equal(0, retried.ExitCode);
        Assert.Contains("pending again", retried.Out);
        Assert.Equal(ExitCodes.Failure, again.ExitCode);
        Assert.Contains("not dead-lettered", again.Error);
        Assert.Equal(ExitCodes.Usage, badStatus.ExitCode);
        var after = await _world.ReadAsync(dead.Id);
        Assert.Equal((OutboxStatus.Pending, 0), (after.Status, after.Attempts));
    }
}
