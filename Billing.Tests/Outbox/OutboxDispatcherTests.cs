using Billing.Domain.Outbox;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Outbox;

/// <summary>The outbox's delivery guarantees, on real PostgreSQL, with the receiver as the only substitute.</summary>
public sealed class OutboxDispatcherTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly OutboxWorld _world = new(database);

    public async ValueTask InitializeAsync()
    {
        // Tests of this class run one after another on one database: each starts with an empty outbox.
        await using var db = _world.Context();
        await db.OutboxMessages.ExecuteDeleteAsync();
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    [Fact]
    public async Task Two_dispatchers_deliver_each_of_1000_messages_exactly_once_while_their_leases_hold()
    {
        var messages = await _world.WriteAsync(1000, "two");
        _world.Receiver.DeliveryTime = TimeSpan.FromMilliseconds(1);
        await using var first = _world.Instance("first");
        await using var second = _world.Instance("second");

        var summaries = await Task.WhenAll(
            Task.Run(() => OutboxWorld.Dispatcher(first).RunAsync(default)),
            Task.Run(() => OutboxWorld.Dispatcher(second).RunAsync(default)));

        var deliveries = _world.Receiver.Deliveries.ToList();
        Assert.Equal(1000, deliveries.Count);
        Assert.Equal(messages.Select(m => m.Id).Order(), deliveries.Select(d => d.MessageId).Order());
        Assert.Equal(0, _world.Receiver.Overlaps);
        Assert.Equal(1000, summaries.Sum(s => s.Delivered));
        Assert.All(summaries, s => Assert.True(s.Delivered > 0, "both dispatchers took part"));
        await using var db = _world.Context();
        Assert.Equal(1000, await db.OutboxMessages.CountAsync(m => m.Status == OutboxStatus.Sent && m.Attempts == 1 && m.LeasedUntil == null));
    }

    [Fact]
    public async Task A_message_whose_dispatcher_died_is_delivered_again_with_the_same_id_once_its_lease_has_passed()
    {
        var message = (await _world.WriteAsync(1, "lease")).Single();
        await using var crashed = _world.Instance("crashed");
        await using var survivor = _world.Instance("survivor");
        var claimed = await OutboxWorld.Dispatcher(crashed).ClaimAsync([RecordingReceiver.Kind], 10, default);
        Assert.Equal(message.Id, Assert.Single(claimed).Delivery.MessageId);
        // ... and the "crashed" instance never comes back.

        var whileLeased = await OutboxWorld.Dispatcher(survivor).RunAsync(default);
        Assert.Equal(0, whileLeased.Delivered);
        Assert.Empty(_world.Receiver.Deliveries);

        _world.Clock.Advance(TimeSpan.FromSeconds(new OutboxOptions().LeaseSeconds + 1));
        var afterLease = await OutboxWorld.Dispatcher(survivor).RunAsync(default);

        Assert.Equal(1, afterLease.Delivered);
        var delivery = Assert.Single(_world.Receiver.Deliveries);
        Assert.Equal((message.Id, 2, "survivor"), (delivery.MessageId, delivery.Attempt, delivery.Dispatcher));
        Assert.Equal(OutboxStatus.Sent, (await _world.ReadAsync(message.Id)).Status);
    }

    [Fact]
    public async Task A_crash_between_sending_and_marking_sent_shows_the_receiver_the_same_message_id_twice_at_most()
    {
        var message = (await _world.WriteAsync(1, "crash")).Single();
        await using var crashed = _world.Instance("crashed");
        var claimed = Assert.Single(await OutboxWorld.Dispatcher(crashed).ClaimAsync([RecordingReceiver.Kind], 10, default));
        // The delivery goes out, then the process dies before it records that.
        await using (var scope = crashed.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetServices<IOutboxHandler>().Single(h => h.Kind == RecordingReceiver.Kind).DeliverAsync(claimed.Delivery, default);
        }

        await using var survivor = _world.Instance("survivor");
        for (var minute = 0; minute < 30; minute++)
        {
            _world.Clock.Advance(TimeSpan.FromMinutes(1));
            await OutboxWorld.Dispatcher(survivor).RunAsync(default);
        }

        Assert.Equal([message.Id, message.Id], _world.Receiver.Deliveries.Select(d => d.MessageId));
        Assert.Equal(OutboxStatus.Sent, (await _world.ReadAsync(message.Id)).Status);
    }

    [Fact]
    public async Task A_failing_delivery_is_retried_with_growing_waits_then_dead_lettered_with_its_last_error()
    {
        var message = (await _world.WriteAsync(1, "retry")).Single();
        _world.Receiver.Failing[message.Key] = false;
        await using var instance = _world.Instance("one", new() { ["Outbox:MaxAttempts"] = "3", ["Outbox:BaseDelaySeconds"] = "60" });

        var waits = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var summary = await OutboxWorld.Dispatcher(instance).RunAsync(default);
            Assert.Equal(1, summary.Retrying);
            var after = await _world.ReadAsync(message.Id);
            Assert.Equal((OutboxStatus.Pending, attempt, "IOException: connection reset by peer"), (after.Status, after.Attempts, after.LastError));
            waits.Add(after.NextAttemptAt - _world.Clock.GetUtcNow());
            // Not due before its wait is over.
            Assert.Equal(0, (await OutboxWorld.Dispatcher(instance).RunAsync(default)).Retrying);
            _world.Clock.Advance(waits[^1]);
        }
        var last = await OutboxWorld.Dispatcher(instance).RunAsync(default);

        Assert.InRange(waits[0].TotalSeconds, 30, 60);
        Assert.InRange(waits[1].TotalSeconds, 60, 120);
        Assert.Equal(1, last.DeadLettered);
        var dead = await _world.ReadAsync(message.Id);
        Assert.Equal((OutboxStatus.Dead, 3, "IOException: connection reset by peer"), (dead.Status, dead.Attempts, dead.LastError));
        Assert.Equal(_world.Clock.GetUtcNow(), dead.DeadAt);
        Assert.Empty(_world.Receiver.Deliveries);
    }

    [Fact]
    public async Task A_refused_message_is_dead_lettered_at_once_and_the_others_keep_flowing()
    {
        var messages = await _world.WriteAsync(5, "refused");
        _world.Receiver.Failing[messages[2].Key] = true;
        await using var instance = _world.Instance("one");

        var summary = await OutboxWorld.Dispatcher(instance).RunAsync(default);

        Assert.Equal((4, 0, 1), (summary.Delivered, summary.Retrying, summary.DeadLettered));
        var refused = await _world.ReadAsync(messages[2].Id);
        Assert.Equal((OutboxStatus.Dead, 1), (refused.Status, refused.Attempts));
        Assert.Contains("550 no such mailbox", refused.LastError);
        Assert.Equal(messages.Where(m => m != messages[2]).Select(m => m.Key).Order(), _world.Receiver.Deliveries.Select(d => d.Key).Order());
    }

    [Fact]
    public async Task A_message_whose_last_attempt_never_finished_is_dead_lettered_when_its_lease_passes()
    {
        var message = (await _world.WriteAsync(1, "exhausted")).Single();
        await using var instance = _world.Instance("one", new() { ["Outbox:MaxAttempts"] = "1" });
        Assert.Single(await OutboxWorld.Dispatcher(instance).ClaimAsync([RecordingReceiver.Kind], 10, default));
        _world.Clock.Advance(TimeSpan.FromSeconds(new OutboxOptions().LeaseSeconds + 1));

        Assert.Empty(await OutboxWorld.Dispatcher(instance).ClaimAsync([RecordingReceiver.Kind], 10, default));

        var dead = await _world.ReadAsync(message.Id);
        Assert.Equal(OutboxStatus.Dead, dead.Status);
        Assert.Equal("the last delivery did not finish within its lease", dead.LastError);
    }

    [Fact]
    public async Task A_dead_letter_retried_by_an_operator_is_delivered_on_the_next_run()
    {
        var message = (await _world.WriteAsync(1, "operator")).Single();
        _world.Receiver.Failing[message.Key] = true;
        await using var instance = _world.Instance("one");
        await OutboxWorld.Dispatcher(instance).RunAsync(default);
        _world.Receiver.Failing.Clear();
        await using var scope = instance.CreateAsyncScope();
        var queries = scope.ServiceProvider.GetRequiredService<OutboxQueries>();

        Assert.Equal(OutboxQueries.RetryOutcome.Retried, await queries.RetryAsync(message.Id, default));
        Assert.Equal(OutboxQueries.RetryOutcome.NotDead, await queries.RetryAsync(message.Id, default));
        Assert.Equal(OutboxQueries.RetryOutcome.NotFound, await queries.RetryAsync(Guid.NewGuid(), default));
        Assert.Equal(1, (await OutboxWorld.Dispatcher(instance).RunAsync(default)).Delivered);

        var sent = await _world.ReadAsync(message.Id);
        Assert.Equal((OutboxStatus.Sent, 1), (sent.Status, sent.Attempts));
        Assert.Equal(message.Id, Assert.Single(_world.Receiver.Deliveries).MessageId);
    }

    [Fact]
    public async Task A_kind_without_an_enabled_handler_stays_pending_and_says_why()
    {
        var message = (await _world.WriteAsync(1, "off")).Single();
        await using var instance = database.CreateServices(_world.Clock, overrides: s => s.AddScoped<IOutboxHandler, SwitchedOffHandler>());

        var summary = await OutboxWorld.Dispatcher(instance).RunAsync(default);

        Assert.Equal(0, summary.Delivered);
        Assert.Equal("no receiver configured", summary.DisabledKinds[RecordingReceiver.Kind]);
        var after = await _world.ReadAsync(message.Id);
        Assert.Equal((OutboxStatus.Pending, 0), (after.Status, after.Attempts));
        await using var scope = instance.CreateAsyncScope();
        var health = await scope.ServiceProvider.GetRequiredService<OutboxQueries>().HealthAsync(default);
        Assert.Equal((1, 0), (health.Pending, health.Dead));
        Assert.Equal(TimeSpan.Zero, health.OldestPendingAge);
    }

    [Fact]
    public void Backoff_doubles_per_failure_within_its_jitter_and_stops_at_the_cap()
    {
        var options = new OutboxOptions { BaseDelaySeconds = 10, MaxDelaySeconds = 100 };
        var random = new Random(42);
        for (var i = 0; i < 200; i++)
        {
            Assert.InRange(OutboxBackoff.Delay(1, options, random).TotalSeconds, 5, 10);
            Assert.InRange(OutboxBackoff.Delay(3, options, random).TotalSeconds, 20, 40);
            Assert.InRange(OutboxBackoff.Delay(30, options, random).TotalSeconds, 50, 100);
        }
        var spread = Enumerable.Range(0, 50).Select(_ => OutboxBackoff.Delay(2, options, random)).Distinct().Count();
        Assert.True(spread > 40, "jitter spreads messages that failed together");
    }

    private sealed class SwitchedOffHandler : IOutboxHandler
    {
        public string Kind => RecordingReceiver.Kind;
        public string? DisabledReason => "no receiver configured";
        public Task DeliverAsync(OutboxDelivery message, CancellationToken ct) => throw new InvalidOperationException("switched off");
    }
}
