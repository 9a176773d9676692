using System.Collections.Concurrent;
using Billing.Domain.Data;
using Billing.Domain.Outbox;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Tests.Outbox;

/// <summary>A receiver outside the system, as the dispatcher sees it: records each delivery and fails when told to.</summary>
public sealed class RecordingReceiver
{
    public const string Kind = "test-message";

    public ConcurrentQueue<(Guid MessageId, string Key, int Attempt, string Dispatcher)> Deliveries { get; } = new();

    /// <summary>Keys whose deliveries throw; a value of true means a permanent refusal.</summary>
    public ConcurrentDictionary<string, bool> Failing { get; } = new();

    public TimeSpan DeliveryTime { get; set; }

    /// <summary>Keys currently being delivered, to prove no key is delivered twice at once.</summary>
    public ConcurrentDictionary<string, int> InFlight { get; } = new();
    public int Overlaps;
}

public sealed class RecordingHandler(RecordingReceiver receiver, DispatcherName name) : IOutboxHandler
{
    public string Kind => RecordingReceiver.Kind;
    public string? DisabledReason => null;

    public async Task DeliverAsync(OutboxDelivery message, CancellationToken ct)
    {
        if (!receiver.InFlight.TryAdd(message.Key, 1))
        {
            Interlocked.Increment(ref receiver.Overlaps);
        }
        try
        {
            if (receiver.DeliveryTime > TimeSpan.Zero)
            {
                await Task.Delay(receiver.DeliveryTime, ct);
            }
            if (receiver.Failing.TryGetValue(message.Key, out var permanent))
            {
                throw permanent ? new PermanentDeliveryException("550 no such mailbox") : new IOException("connection reset by peer");
            }
            receiver.Deliveries.Enqueue((message.MessageId, message.Key, message.Attempt, name.Value));
        }
        finally
        {
            receiver.InFlight.TryRemove(message.Key, out _);
        }
    }
}

public sealed record DispatcherName(string Value);

/// <summary>Builds dispatchers ("instances") over one test database, each with its own services and the receiver.</summary>
public sealed class OutboxWorld(TestDatabase database)
{
    public RecordingReceiver Receiver { get; } = new();
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2025, 12, 1, 12, 0, 0, TimeSpan.Zero));

    public ServiceProvider Instance(string name, Dictionary<string, string?>? settings = null) =>
        database.CreateServices(Clock, settings, services =>
        {
            services.AddSingleton(Receiver);
            services.AddSingleton(new DispatcherName(name));
            services.AddScoped<IOutboxHandler, RecordingHandler>();
        });

    /// <summary>Writes messages as a causing change would: through EF Core, in one transaction.</summary>
    public async Task<List<OutboxMessage>> WriteAsync(int count, string prefix)
    {
        await using var db = database.CreateContext();
        var now = Clock.GetUtcNow();
        var messages = Enumerable.Range(0, count).Select(i => new OutboxMessage
        {
            Kind = RecordingReceiver.Kind,
            Key = $"{prefix}-{i:D5}",
            Payload = $$"""{"n": {{i}}}""",
            NextAttemptAt = now,
            CreatedAt = now,
        }).ToList();
        db.OutboxMessages.AddRange(messages);
        await db.SaveChangesAsync();
        return messages;
    }

    public async Task<OutboxMessage> ReadAsync(Guid id)
    {
        await using var db = database.CreateContext();
        return await db.OutboxMessages.FindAsync(id) ?? throw new InvalidOperationException($"no message {id}");
    }

    public static OutboxDispatcher Dispatcher(IServiceProvider instance) =>
        instance.CreateScope().ServiceProvider.GetRequiredService<OutboxDispatcher>();

    public BillingDbContext Context() => database.CreateContext();
}
