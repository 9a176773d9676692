using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Payments;

/// <summary>The answer stored for an idempotency key ("IdempotencyKey"): per API key, with the request's fingerprint.</summary>
public sealed class IdempotencyRecord
{
    public Guid ApiKeyId { get; set; }
    public required string Key { get; set; }
    /// <summary>SHA-256 of the request (method, target and body as parsed).</summary>
    public required byte[] Fingerprint { get; set; }
    public int Status { get; set; }
    public required string ContentType { get; set; }
    public required string Body { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// The IETF <c>Idempotency-Key</c> rules (draft-ietf-httpapi-idempotency-key-header), scoped per API key. A request runs
/// in one transaction that first takes a transaction-scoped advisory lock on (API key, idempotency key): a second request
/// with the key while the first runs cannot take it and is told 409. Under the lock, a stored answer is returned again
/// (same fingerprint) or refused with 422 (another request reused the key); otherwise the work runs inside the same
/// transaction and its answer is stored with it, so the change and the answer commit together or not at all: a crash
/// or a 5xx stores nothing, and the retry runs the work again. Answers are kept <see cref="Retention"/> (at least 24 h).
/// </summary>
public sealed class IdempotencyKeys(BillingDbContext db, TimeProvider clock)
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(48);
    public const int MaxKeyLength = 255;

    /// <summary>Advisory locks of this class (the first key of the two-key form) are idempotency keys; the cycle uses the one-key form.</summary>
    private const int LockClass = 0x1DE9;

    public sealed record Answer(int Status, string ContentType, string Body);

    public enum Outcome
    {
        /// <summary>The work ran now (its answer is stored unless it was a 5xx).</summary>
        Ran,
        /// <summary>The stored answer of the first request with this key.</summary>
        Replayed,
        /// <summary>A request with this key is running: 409.</summary>
        InFlight,
        /// <summary>The key was used for a different request: 422.</summary>
        Mismatch,
    }

    public sealed record Result(Outcome Outcome, Answer? Answer);

    public async Task<Result> RunAsync(Guid apiKeyId, string key, byte[] fingerprint, Func<Task<Answer>> work, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var locked = await new Sql("SELECT pg_try_advisory_xact_lock(@class, hashtext(@scope))")
            .With("class", LockClass).With("scope", $"{apiKeyId:N}:{key}").ScalarAsync<bool>(db, ct);
        if (!locked)
        {
            return new Result(Outcome.InFlight, null);
        }
        var now = clock.GetUtcNow();
        var stored = await db.IdempotencyKeys.SingleOrDefaultAsync(k => k.ApiKeyId == apiKeyId && k.Key == key, ct);
        if (stored is not null && stored.CreatedAt > now - Retention)
        {
            return stored.Fingerprint.AsSpan().SequenceEqual(fingerprint)
                ? new Result(Outcome.Replayed, new Answer(stored.Status, stored.ContentType, stored.Body))
                : new Result(Outcome.Mismatch, null);
        }
        if (stored is not null)
        {
            db.IdempotencyKeys.Remove(stored);
        }

        var answer = await work();
        if (answer.Status >= 500)
        {
            // Never stored: the client may retry with the same key (the transaction rolls back on dispose).
            return new Result(Outcome.Ran, answer);
        }
        db.IdempotencyKeys.Add(new IdempotencyRecord
        {
            ApiKeyId = apiKeyId,
            Key = key,
            Fingerprint = fingerprint,
            Status = answer.Status,
            ContentType = answer.ContentType,
            Body = answer.Body,
            CreatedAt = now,
        });
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new Result(Outcome.Ran, answer);
    }

    /// <summary>Forgets answers older than <see cref="Retention"/>; the billing cycle runs it.</summary>
    public Task<int> PurgeExpiredAsync(CancellationToken ct)
    {
        var before = clock.GetUtcNow() - Retention;
        return db.IdempotencyKeys.Where(k => k.CreatedAt < before).ExecuteDeleteAsync(ct);
    }
}
