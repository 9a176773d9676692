using System.Collections.Concurrent;
using System.Diagnostics;

namespace Billing.Domain.Access;

/// <summary>
/// Keys proven in the last <see cref="Lifetime"/>, by the SHA-256 of the presented key, so a reporting tool's burst
/// of requests costs one database lookup instead of one each. Revoking evicts at once on the instance that revoked;
/// every other instance compares the revocation version (<see cref="ApiKeyRevision"/>, one row that any revocation
/// or change of a key's expiry or scope advances) at most once per <see cref="RevisionCheckInterval"/> before it trusts
/// an entry, and forgets everything on a change: a revoked key stops working everywhere within about a second. A
/// version row rather than LISTEN/NOTIFY, because notifications do not pass PgBouncer's transaction pooling.
/// Expiry is checked on every request all the same.
/// </summary>
public sealed class ApiKeyCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RevisionCheckInterval = TimeSpan.FromSeconds(1);
    private const int MaxEntries = 10_000;

    // Revision: the one known before the key's row was read; an entry proven under an older revision is not trusted.
    private sealed record Entry(Caller Caller, DateTimeOffset? ExpiresAt, long ProvenAt, long Revision);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _checking = new(1, 1);
    private long _revision = -1;
    private long _checkedAt;

    public bool TryGet(string keyHash, DateTimeOffset now, out Caller caller)
    {
        caller = null!;
        if (!_entries.TryGetValue(keyHash, out var entry))
        {
            return false;
        }
        // Wall-clock age, not the billing clock: tests and the CLI fix or move that one.
        if (Stopwatch.GetElapsedTime(entry.ProvenAt) > Lifetime || entry.ExpiresAt <= now || entry.Revision != Revision)
        {
            _entries.TryRemove(keyHash, out _);
            return false;
        }
        caller = entry.Caller;
        return true;
    }

    /// <summary>The revision last read; pass it to <see cref="Add"/> for a key read after it.</summary>
    public long Revision => Interlocked.Read(ref _revision);

    /// <summary>Whether the entries may be trusted without reading the revision first.</summary>
    public bool IsCurrent => _checkedAt != 0 && Stopwatch.GetElapsedTime(Interlocked.Read(ref _checkedAt)) < RevisionCheckInterval;

    /// <summary>
    /// Reads the revision (through <paramref name="readRevision"/>) unless another request did within the interval, and
    /// forgets every entry when it moved. One request reads; those arriving meanwhile wait for its answer.
    /// </summary>
    public async Task EnsureCurrentAsync(Func<CancellationToken, Task<long>> readRevision, CancellationToken ct)
    {
        if (IsCurrent)
        {
            return;
        }
        await _checking.WaitAsync(ct);
        try
        {
            if (IsCurrent)
            {
                return;
            }
            var revision = await readRevision(ct);
            if (revision != Revision)
            {
                _entries.Clear();
                Interlocked.Exchange(ref _revision, revision);
            }
            Interlocked.Exchange(ref _checkedAt, Stopwatch.GetTimestamp());
        }
        finally
        {
            _checking.Release();
        }
    }

    public void Add(string keyHash, Caller caller, DateTimeOffset? expiresAt, long revision)
    {
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        _entries[keyHash] = new Entry(caller, expiresAt, Stopwatch.GetTimestamp(), revision);
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
