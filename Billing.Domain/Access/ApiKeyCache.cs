using System.Collections.Concurrent;
using System.Diagnostics;

namespace Billing.Domain.Access;

/// <summary>
/// Keys proven in the last <see cref="Lifetime"/>, by the SHA-256 of the presented key, so a reporting tool's burst
/// of requests costs one database lookup instead of one each. Revoking evicts at once on the instance that revoked;
/// other instances notice within <see cref="Lifetime"/>. Expiry is checked on every request all the same.
/// </summary>
public sealed class ApiKeyCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    private const int MaxEntries = 10_000;

    private sealed record Entry(Caller Caller, DateTimeOffset? ExpiresAt, long ProvenAt);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string keyHash, DateTimeOffset now, out Caller caller)
    {
        caller = null!;
        if (!_entries.TryGetValue(keyHash, out var entry))
        {
            return false;
        }
        // Wall-clock age, not the billing clock: tests and the CLI fix or move that one.
        if (Stopwatch.GetElapsedTime(entry.ProvenAt) > Lifetime || entry.ExpiresAt <= now)
        {
            _entries.TryRemove(keyHash, out _);
            return false;
        }
        caller = entry.Caller;
        return true;
    }

    public void Add(string keyHash, Caller caller, DateTimeOffset? expiresAt)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        _entries[keyHash] = new Entry(caller, expiresAt, Stopwatch.GetTimestamp());
    }

    public void Evict(Guid keyId)
    {
        foreach (var (hash, entry) in _entries)
        {
            if (entry.Caller.KeyId == keyId)
            {
                _entries.TryRemove(hash, out _);
            }
        }
    }
}
