using System.ComponentModel.DataAnnotations;
using System.Threading.RateLimiting;
using Billing.Domain.Access;
using Billing.Domain.Data;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Functions.Infrastructure;

/// <summary>
/// What one instance takes on (<c>Limits</c>): how much database work runs at once, how long excess work waits, and how
/// fast each API key may call. See docs/decisions/0018-client-view-limits-and-revocation.md.
/// </summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Webhook and API requests doing database work at once on an instance; unset, the primary connection
    /// string's <c>Maximum Pool Size</c> (Npgsql's default 100), so requests queue here, briefly, not in the pool.</summary>
    [Range(1, 10_000)]
    public int? DatabaseConcurrency { get; set; }

    /// <summary>How long a request waits for a free slot before it gets 503 with <c>Retry-After</c>.</summary>
    [Range(0, 30)]
    public double QueueTimeoutSeconds { get; set; } = 2;

    /// <summary>Requests per second each API key may make on average (token bucket refill rate).</summary>
    [Range(0.001, 100_000)]
    public double KeyRequestsPerSecond { get; set; } = 10;

    /// <summary>Requests an API key may make at once above its rate (the bucket's size).</summary>
    [Range(1, 100_000)]
    public int KeyBurst { get; set; } = 100;

    /// <summary>Whether admin keys skip the per-key limit (operators' bulk work); the concurrency bound still holds.</summary>
    public bool ExemptAdminKeys { get; set; }
}

/// <summary>
/// Bounds the webhook and API requests that need a database connection, per instance, to the pool's size: excess
/// requests wait up to <see cref="LimitsOptions.QueueTimeoutSeconds"/> for a slot instead of piling up in Npgsql's
/// pool (whose wait is the 15 s connection timeout, past Vapi's patience), then get 503 with <c>Retry-After</c>.
/// </summary>
public sealed class DatabaseWorkGate : IDisposable
{
    /// <summary>Seconds a refused request is told to wait: a slot frees as soon as any request ends.</summary>
    public const int RetryAfterSeconds = 1;

    private readonly SemaphoreSlim _slots;
    private readonly TimeSpan _queueTimeout;

    public DatabaseWorkGate(IOptions<LimitsOptions> limits, IOptions<DatabaseOptions> database)
    {
        Capacity = limits.Value.DatabaseConcurrency ?? new NpgsqlConnectionStringBuilder(database.Value.ConnectionString).MaxPoolSize;
        _queueTimeout = TimeSpan.FromSeconds(limits.Value.QueueTimeoutSeconds);
        _slots = new SemaphoreSlim(Capacity, Capacity);
    }

    public int Capacity { get; }

    /// <summary>A slot, released by disposing it; null when none freed within the queue timeout.</summary>
    public async Task<IDisposable?> EnterAsync(CancellationToken ct) =>
        await _slots.WaitAsync(_queueTimeout, ct) ? new Slot(_slots) : null;

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}

/// <summary>
/// A token bucket per API key (by key id, so the plain key is never held): <see cref="LimitsOptions.KeyBurst"/>
/// requests at once, refilled at <see cref="LimitsOptions.KeyRequestsPerSecond"/>. Per instance: with N instances a key
/// may reach N times the rate, which bounds what one key costs each instance, the resource this protects.
/// </summary>
public sealed class KeyRateLimiter : IDisposable
{
    private readonly PartitionedRateLimiter<Guid> _buckets;
    private readonly bool _exemptAdmin;

    public KeyRateLimiter(IOptions<LimitsOptions> options)
    {
        var limits = options.Value;
        _exemptAdmin = limits.ExemptAdminKeys;
        // Refill one token at a time at the rate, but no more often than every 50 ms (bigger steps at high rates).
        var period = TimeSpan.FromSeconds(Math.Max(1 / limits.KeyRequestsPerSecond, 0.05));
        var tokensPerPeriod = Math.Max(1, (int)Math.Round(limits.KeyRequestsPerSecond * period.TotalSeconds));
        _buckets = PartitionedRateLimiter.Create<Guid, Guid>(keyId => RateLimitPartition.GetTokenBucketLimiter(keyId, _ =>
            new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.KeyBurst,
                TokensPerPeriod = tokensPerPeriod,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
    }

    /// <summary>Null when <paramref name="caller"/> may go on; else how long until its next token.</summary>
    public TimeSpan? Refuse(Caller caller)
    {
        if (_exemptAdmin && caller.IsAdmin)
        {
            return null;
        }
        using var lease = _buckets.AttemptAcquire(caller.KeyId);
        if (lease.IsAcquired)
        {
            return null;
        }
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => _buckets.Dispose();
}
