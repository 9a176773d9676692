using Billing.Domain.Data;
using Billing.Domain.Reports;
using Billing.Domain.Telemetry;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Outbox;

/// <summary>The outbox as operators see it: listings, health figures, and sending a dead letter again.</summary>
public sealed class OutboxQueries(BillingDbContext db, OutboxDispatcher dispatcher, BillingMetrics metrics, TimeProvider clock)
{
    public const int MaxLimit = 500;
    private const string SortName = "CreatedAt";

    /// <summary>What health reports: dead letters, and how long the oldest pending message has waited.</summary>
    public sealed record Health(int Pending, int Dead, TimeSpan? OldestPendingAge, IReadOnlyDictionary<string, string> DisabledKinds);

    public enum RetryOutcome { Retried, NotFound, NotDead }

    /// <summary>Newest first, keyset-paged by (createdAt, id).</summary>
    public async Task<Page<OutboxMessage>> ListAsync(OutboxStatus? status, int limit, string? cursor, CancellationToken ct)
    {
        var query = db.OutboxMessages.AsNoTracking();
        if (status is { } s)
        {
            query = query.Where(m => m.Status == s);
        }
        if (cursor is not null)
        {
            var (before, id) = KeysetCursor.DecodeInstant(cursor, SortName, descending: true);
            query = query.Where(m => EF.Functions.LessThan(ValueTuple.Create(m.CreatedAt, m.Id), ValueTuple.Create(before, id)));
        }
        var rows = await query.OrderByDescending(m => m.CreatedAt).ThenByDescending(m => m.Id).Take(limit + 1).ToListAsync(ct);
        if (rows.Count <= limit)
        {
            return new Page<OutboxMessage>(rows, null);
        }
        rows.RemoveAt(limit);
        return new Page<OutboxMessage>(rows, KeysetCursor.Encode(SortName, true, KeysetCursor.Instant(rows[^1].CreatedAt), rows[^1].Id));
    }

    public async Task<Health> HealthAsync(CancellationToken ct)
    {
        var figures = await db.OutboxMessages.Where(m => m.Status != OutboxStatus.Sent)
            .GroupBy(m => m.Status)
            .Select(g => new { Status = g.Key, Count = g.Count(), Oldest = g.Min(m => m.CreatedAt) })
            .ToListAsync(ct);
        var pending = figures.SingleOrDefault(f => f.Status == OutboxStatus.Pending);
        var dead = figures.SingleOrDefault(f => f.Status == OutboxStatus.Dead);
        var (_, disabled) = await dispatcher.KindsAsync();
        var age = pending is null ? (TimeSpan?)null : clock.GetUtcNow() - pending.Oldest;
        var health = new Health(pending?.Count ?? 0, dead?.Count ?? 0, age < TimeSpan.Zero ? TimeSpan.Zero : age, disabled);
        metrics.OutboxObserved(health.Pending, health.Dead, health.OldestPendingAge);
        return health;
    }

    /// <summary>A dead letter becomes pending again with a fresh set of attempts; its last error stays until it is delivered.</summary>
    public async Task<RetryOutcome> RetryAsync(Guid id, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var changed = await db.OutboxMessages.Where(m => m.Id == id && m.Status == OutboxStatus.Dead)
            .ExecuteUpdateAsync(s => s
                .SetProperty(m => m.Status, OutboxStatus.Pending)
                .SetProperty(m => m.Attempts, 0)
                .SetProperty(m => m.NextAttemptAt, now)
                .SetProperty(m => m.DeadAt, (DateTimeOffset?)null), ct);
        if (changed == 1)
        {
            return RetryOutcome.Retried;
        }
        return await db.OutboxMessages.AnyAsync(m => m.Id == id, ct) ? RetryOutcome.NotDead : RetryOutcome.NotFound;
    }
}
