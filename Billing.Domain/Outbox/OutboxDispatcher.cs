using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Billing.Domain.Outbox;

/// <summary>What one dispatcher run did.</summary>
public sealed record OutboxRunSummary(int Delivered, int Retrying, int DeadLettered, IReadOnlyDictionary<string, string> DisabledKinds,
    TimeSpan Duration);

/// <summary>
/// Delivers due outbox messages, at least once, safely with any number of dispatchers at once: a worker claims a
/// batch in one short statement (<c>FOR UPDATE SKIP LOCKED</c>, setting a lease), delivers each message outside any
/// transaction, then marks it sent. A dispatcher that dies mid-batch leaves its messages leased; when the lease
/// passes, another claims them and delivers them again under the same message id. A failed delivery waits with
/// exponential backoff and jitter; after <see cref="OutboxOptions.MaxAttempts"/> it is dead-lettered with its error.
/// </summary>
public sealed class OutboxDispatcher(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxDispatcher> logger)
{
    private const int MaxErrorLength = 2000;

    /// <summary>A message this dispatcher holds: <paramref name="LeaseToken"/> proves it when recording a failure.</summary>
    internal sealed record Claimed(OutboxDelivery Delivery, Guid LeaseToken);

    internal enum Outcome { Delivered, Retrying, DeadLettered }

    public async Task<OutboxRunSummary> RunAsync(CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        var o = options.Value;
        var (enabled, disabled) = await KindsAsync();
        var counts = new int[3];
        if (enabled.Count > 0)
        {
            var deadline = clock.GetUtcNow().AddSeconds(o.RunSeconds);
            var workers = Enumerable.Range(0, o.Parallelism).Select(async _ =>
            {
                while (!ct.IsCancellationRequested && clock.GetUtcNow() < deadline)
                {
                    var batch = await ClaimAsync(enabled, o.BatchSize, ct);
                    if (batch.Count == 0)
                    {
                        return;
                    }
                    foreach (var message in batch)
                    {
                        Interlocked.Increment(ref counts[(int)await DeliverAsync(message, ct)]);
                    }
                }
            });
            await Task.WhenAll(workers);
        }
        var summary = new OutboxRunSummary(counts[0], counts[1], counts[2], disabled, stopwatch.Elapsed);
        logger.LogInformation("Outbox run: {Delivered} delivered, {Retrying} to retry, {DeadLettered} dead-lettered, {Disabled} kinds off, {DurationMs} ms",
            summary.Delivered, summary.Retrying, summary.DeadLettered, disabled.Count, (long)summary.Duration.TotalMilliseconds);
        return summary;
    }

    /// <summary>The kinds that can be delivered now, and why the others cannot.</summary>
    public async Task<(IReadOnlyList<string> Enabled, IReadOnlyDictionary<string, string> Disabled)> KindsAsync()
    {
        await using var scope = scopes.CreateAsyncScope();
        var handlers = scope.ServiceProvider.GetServices<IOutboxHandler>().ToList();
        return (handlers.Where(h => h.DisabledReason is null).Select(h => h.Kind).ToList(),
            handlers.Where(h => h.DisabledReason is not null).ToDictionary(h => h.Kind, h => h.DisabledReason!));
    }

    /// <summary>
    /// Leases up to <paramref name="limit"/> due messages of <paramref name="kinds"/> in one statement. A due message
    /// whose attempts are used up (its last delivery never finished: the dispatcher died) is dead-lettered instead.
    /// </summary>
    internal async Task<IReadOnlyList<Claimed>> ClaimAsync(IReadOnlyList<string> kinds, int limit, CancellationToken ct)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var token = Guid.NewGuid();
        await using var command = dataSource.CreateCommand("""
            WITH due AS (
                SELECT "id" FROM "OutboxMessage"
                WHERE "status" = 'PENDING' AND "kind" = ANY(@kinds) AND "nextAttemptAt" <= @now
                  AND ("leasedUntil" IS NULL OR "leasedUntil" <= @now)
                ORDER BY "nextAttemptAt", "id"
                LIMIT @limit
                FOR UPDATE SKIP LOCKED)
            UPDATE "OutboxMessage" m SET
                "attempts" = CASE WHEN m."attempts" < @maxAttempts THEN m."attempts" + 1 ELSE m."attempts" END,
                "status" = CASE WHEN m."attempts" < @maxAttempts THEN 'PENDING' ELSE 'DEAD' END,
                "leasedUntil" = CASE WHEN m."attempts" < @maxAttempts THEN @leasedUntil END,
                "leaseToken" = CASE WHEN m."attempts" < @maxAttempts THEN @token END,
                "deadAt" = CASE WHEN m."attempts" < @maxAttempts THEN NULL ELSE @now END,
                "lastError" = CASE WHEN m."attempts" < @maxAttempts THEN m."lastError"
                    ELSE left(coalesce(m."lastError" || ' / ', '') || 'the last delivery did not finish within its lease', @maxErrorLength) END
            FROM due WHERE m."id" = due."id"
            RETURNING m."id", m."kind", m."key", m."payload"::text, m."attempts", m."status"
            """);
        command.Parameters.Add(new NpgsqlParameter("kinds", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = kinds.ToArray() });
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("limit", limit);
        command.Parameters.AddWithValue("maxAttempts", o.MaxAttempts);
        command.Parameters.AddWithValue("leasedUntil", now.AddSeconds(o.LeaseSeconds));
        command.Parameters.AddWithValue("token", token);
        command.Parameters.AddWithValue("maxErrorLength", MaxErrorLength);
        var claimed = new List<Claimed>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            if (reader.GetString(5) == "DEAD")
            {
                logger.LogWarning("Outbox message {MessageId} ({Kind}) dead-lettered: its last delivery did not finish within its lease",
                    reader.GetGuid(0), reader.GetString(1));
                continue;
            }
            claimed.Add(new Claimed(new OutboxDelivery(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetInt32(4)), token));
        }
        return claimed;
    }

    /// <summary>Delivers one claimed message outside any transaction and records the outcome.</summary>
    internal async Task<Outcome> DeliverAsync(Claimed message, CancellationToken ct)
    {
        var delivery = message.Delivery;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.DeliveryTimeoutSeconds));
        try
        {
            await using (var scope = scopes.CreateAsyncScope())
            {
                var handler = scope.ServiceProvider.GetServices<IOutboxHandler>().Single(h => h.Kind == delivery.Kind);
                await handler.DeliverAsync(delivery, timeout.Token);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            var permanent = e is PermanentDeliveryException;
            var reason = e is OperationCanceledException ? $"timed out after {options.Value.DeliveryTimeoutSeconds} s" : Describe(e);
            return await RecordFailureAsync(message, reason, permanent, CancellationToken.None);
        }
        // The message went out: record that even if the run is being cancelled, or it would be sent again.
        await MarkSentAsync(message, CancellationToken.None);
        return Outcome.Delivered;
    }

    internal async Task MarkSentAsync(Claimed message, CancellationToken ct)
    {
        // Not conditioned on the lease: if it expired and another dispatcher sent the message too, it was still sent.
        await using var command = dataSource.CreateCommand("""
            UPDATE "OutboxMessage" SET "status" = 'SENT', "sentAt" = @now, "leasedUntil" = NULL, "leaseToken" = NULL
            WHERE "id" = @id AND "status" = 'PENDING'
            """);
        command.Parameters.AddWithValue("id", message.Delivery.MessageId);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task<Outcome> RecordFailureAsync(Claimed message, string error, bool permanent, CancellationToken ct)
    {
        var o = options.Value;
        var delivery = message.Delivery;
        var dead = permanent || delivery.Attempt >= o.MaxAttempts;
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand("""
            UPDATE "OutboxMessage" SET
                "status" = CASE WHEN @dead THEN 'DEAD' ELSE 'PENDING' END,
                "deadAt" = CASE WHEN @dead THEN @now END,
                "nextAttemptAt" = @next, "leasedUntil" = NULL, "leaseToken" = NULL, "lastError" = @error
            WHERE "id" = @id AND "leaseToken" = @token AND "status" = 'PENDING'
            """);
        command.Parameters.AddWithValue("id", delivery.MessageId);
        command.Parameters.AddWithValue("token", message.LeaseToken);
        command.Parameters.AddWithValue("dead", dead);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("next", now + OutboxBackoff.Delay(delivery.Attempt, o, Random.Shared));
        command.Parameters.AddWithValue("error", error.Length > MaxErrorLength ? error[..MaxErrorLength] : error);
        var recorded = await command.ExecuteNonQueryAsync(ct) == 1;
        if (dead)
        {
            logger.LogWarning("Outbox message {MessageId} ({Kind}) dead-lettered after {Attempts} attempts: {Error}",
                delivery.MessageId, delivery.Kind, delivery.Attempt, error);
            return Outcome.DeadLettered;
        }
        logger.LogInformation("Outbox message {MessageId} ({Kind}) attempt {Attempt} failed{Lost}: {Error}", delivery.MessageId, delivery.Kind,
            delivery.Attempt, recorded ? "" : " (its lease had passed; another dispatcher holds it)", error);
        return Outcome.Retrying;
    }

    private static string Describe(Exception e) => e.InnerException is { } inner && e is not PermanentDeliveryException
        ? $"{e.GetType().Name}: {e.Message} ({inner.GetType().Name}: {inner.Message})"
        : $"{e.GetType().Name}: {e.Message}";
}

/// <summary>The wait before a failed message's next attempt.</summary>
public static class OutboxBackoff
{
    /// <summary>
    /// Exponential with "equal jitter": the base delay doubled per failure so far, capped, then a uniformly random point in
    /// its upper half, so messages that failed together (an SMTP outage) do not all come back at the same instant.
    /// </summary>
    public static TimeSpan Delay(int failedAttempts, OutboxOptions options, Random random)
    {
        var exponent = Math.Clamp(failedAttempts - 1, 0, 30);
        var capped = Math.Min(options.MaxDelaySeconds, options.BaseDelaySeconds * Math.Pow(2, exponent));
        return TimeSpan.FromSeconds(capped / 2 + random.NextDouble() * capped / 2);
    }
}
