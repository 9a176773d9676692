using System.Security.Cryptography;
using System.Text;
using Billing.Domain.Audit;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Access;

/// <summary>
/// Creates, checks and revokes API keys. A key is <c>bk_&lt;prefix&gt;_&lt;secret&gt;</c>: the prefix finds the row,
/// and only the SHA-256 of the whole key is stored (keys are 256-bit random, so a fast hash is enough);
/// the plain key is returned once, at creation. Proven keys are remembered briefly (<see cref="ApiKeyCache"/>), and
/// when a key was last used is written off the request path (<see cref="ApiKeyUsage"/>).
/// </summary>
public sealed class ApiKeyService(BillingDbContext db, TimeProvider clock, ApiKeyCache cache, ApiKeyUsage usage, AuditTrail audit)
{
    private const string KeyStart = "bk_";
    private const int PrefixLength = 12;

    public sealed record CreatedKey(ApiKey Key, string PlainKey);

    /// <summary>As the app itself (<see cref="Actor.System"/>): set-up code, the demo, tests and benchmarks.</summary>
    public Task<CreatedKey> CreateAsync(string name, ApiKeyScope scope, string? clientId, DateTimeOffset? expiresAt, CancellationToken ct) =>
        CreateAsync(name, scope, clientId, expiresAt, Actor.System, ct);

    /// <summary>Creates a key; the key (never its secret or hash) is audited as <paramref name="actor"/>'s, in the same transaction.</summary>
    public async Task<CreatedKey> CreateAsync(string name, ApiKeyScope scope, string? clientId, DateTimeOffset? expiresAt, Actor actor,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new InvalidInputException("name", "A key needs a name.");
        }
        if ((scope == ApiKeyScope.Client) != (clientId is not null))
        {
            throw new InvalidInputException("clientId", "A client key needs a client id, and only a client key has one.");
        }
        if (clientId is not null && !await db.Clients.AnyAsync(c => c.ClientId == clientId, ct))
        {
            throw new InvalidInputException("clientId", $"There is no client '{clientId}'.");
        }
        if (expiresAt <= clock.GetUtcNow())
        {
            throw new InvalidInputException("expiresAt", "The expiry must be in the future.");
        }

        var prefix = KeyStart + RandomToken(PrefixLength);
        var plainKey = $"{prefix}_{RandomToken(43)}";
        var key = new ApiKey
        {
            Name = name.Trim(),
            Prefix = prefix,
            KeyHash = Hash(plainKey),
            Scope = scope,
            ClientId = clientId,
            ExpiresAt = expiresAt?.ToUniversalTime(),
        };
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.ApiKeys.Add(key);
        await db.SaveChangesAsync(ct);
        audit.Record(actor, AuditEntities.ApiKey, key.Id.ToString(), null,
            new { key.Name, key.Prefix, key.Scope, key.ClientId, key.ExpiresAt }, "created", key.ClientId);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new CreatedKey(key, plainKey);
    }

    /// <summary>The caller a presented key proves, or null when the key is unknown, wrong, revoked or expired.</summary>
    public async Task<Caller?> AuthenticateAsync(string presentedKey, CancellationToken ct)
    {
        var prefix = PrefixOf(presentedKey);
        if (prefix is null)
        {
            return null;
        }
        var hash = Hash(presentedKey);
        var cacheKey = Convert.ToHexString(hash);
        var now = clock.GetUtcNow();
        await cache.EnsureCurrentAsync(c => RevisionOf(db, c), ct);
        if (cache.TryGet(cacheKey, now, out var proven))
        {
            usage.Seen(proven.KeyId, now);
            return proven;
        }
        var revision = cache.Revision;
        var key = await KeyByPrefix(db, prefix, ct);
        if (key is null || !CryptographicOperations.FixedTimeEquals(key.KeyHash, hash)
            || key.RevokedAt is not null || key.ExpiresAt <= now)
        {
            return null;
        }
        usage.Seen(key.Id, now);
        var caller = new Caller(key.Id, key.Name, key.Scope, key.ClientId);
        cache.Add(cacheKey, caller, key.ExpiresAt, revision);
        return caller;
    }

    // Every API request runs this lookup; compiled once, it skips EF Core's per-call query cache lookup.
    private static readonly Func<BillingDbContext, string, CancellationToken, Task<ApiKey?>> KeyByPrefix =
        EF.CompileAsyncQuery((BillingDbContext context, string prefix, CancellationToken _) =>
            context.ApiKeys.AsNoTracking().SingleOrDefault(k => k.Prefix == prefix));

    private static readonly Func<BillingDbContext, CancellationToken, Task<long>> RevisionOf =
        EF.CompileAsyncQuery((BillingDbContext context, CancellationToken _) => context.ApiKeyRevisions.Select(r => r.Revision).Single());

    public Task<List<ApiKey>> ListAsync(CancellationToken ct) =>
        db.ApiKeys.AsNoTracking().OrderBy(k => k.CreatedAt).ToListAsync(ct);

    /// <summary>As <see cref="Actor.System"/>; see the overload with an actor.</summary>
    public Task<bool> RevokeAsync(Guid id, CancellationToken ct) => RevokeAsync(id, Actor.System, ct);

    /// <summary>Revokes a key; true when it existed and was active. Revoking twice keeps the first instant and audits nothing.</summary>
    public async Task<bool> RevokeAsync(Guid id, Actor actor, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        bool revoked;
        await using (var transaction = await db.Database.BeginTransactionAsync(ct))
        {
            revoked = await db.ApiKeys.Where(k => k.Id == id && k.RevokedAt == null)
                .ExecuteUpdateAsync(s => s.SetProperty(k => k.RevokedAt, now), ct) == 1;
            if (revoked)
            {
                var clientId = await db.ApiKeys.Where(k => k.Id == id).Select(k => k.ClientId).SingleAsync(ct);
                audit.Record(actor, AuditEntities.ApiKey, id.ToString(), new { RevokedAt = (DateTimeOffset?)null }, new { RevokedAt = now },
                    "revoked", clientId);
                await db.SaveChangesAsync(ct);
            }
            await transaction.CommitAsync(ct);
        }
        cache.Evict(id);
        return revoked;
    }

    private static string? PrefixOf(string presentedKey)
    {
        var end = KeyStart.Length + PrefixLength;
        return presentedKey.Length > end && presentedKey.StartsWith(KeyStart, StringComparison.Ordinal) && presentedKey[end] == '_'
            ? presentedKey[..end]
            : null;
    }

    private static byte[] Hash(string plainKey) => SHA256.HashData(Encoding.UTF8.GetBytes(plainKey));

    private static string RandomToken(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        return RandomNumberGenerator.GetString(alphabet, length);
    }
}
