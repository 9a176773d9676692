using System.Collections.Concurrent;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Access;

/// <summary>
/// When each key was last used, remembered in memory and written by <see cref="FlushAsync"/> (the Functions app runs it
/// once a minute), so a read-only request never waits for, or fails on, a write to the primary. Best effort: a crash
/// loses at most the last minute's sightings, and <c>lastUsedAt</c> only moves forward.
/// </summary>
public sealed class ApiKeyUsage
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMinutes(1);

    private ConcurrentDictionary<Guid, DateTimeOffset> _seen = new();

    public void Seen(Guid keyId, DateTimeOffset at) =>
        _seen.AddOrUpdate(keyId, at, (_, earlier) => at > earlier ? at : earlier);

    /// <summary>Writes every key seen since the last flush in one statement; the number of keys written.</summary>
    public async Task<int> FlushAsync(BillingDbContext db, CancellationToken ct)
    {
        var seen = Interlocked.Exchange(ref _seen, new ConcurrentDictionary<Guid, DateTimeOffset>());
        if (seen.IsEmpty)
        {
            return 0;
        }
        var ids = seen.Keys.ToArray();
        var instants = ids.Select(id => seen[id].ToUniversalTime()).ToArray();
        try
        {
            return await db.Database.ExecuteSqlAsync($"""
                UPDATE "ApiKey" AS k SET "lastUsedAt" = s.at
                FROM unnest({ids}::uuid[], {instants}::timestamptz[]) AS s(id, at)
                WHERE k."id" = s.id AND (k."lastUsedAt" IS NULL OR k."lastUsedAt" < s.at)
                """, ct);
        }
        catch
        {
            // Not lost yet: the next flush tries these again (a newer sighting wins).
            foreach (var (id, at) in seen)
            {
                Seen(id, at);
            }
            throw;
        }
    }
}
