using Billing.Domain.Data;

namespace Billing.Domain.Invoicing;

/// <summary>
/// The failures of one run, one per client and step (the first one seen; a reconciliation failure keeps the earliest
/// instant to list again from). The cycle records them when the run ends (<see cref="ClientFailures"/>).
/// </summary>
public sealed class CycleFailures
{
    private readonly Dictionary<(string ClientId, string Step), (ClientFailureReport Report, DateTimeOffset? RetryFrom)> _failures = [];

    public void Add(string clientId, string step, string? period, Exception error, string? statement = null, DateTimeOffset? retryFrom = null)
    {
        if (_failures.TryGetValue((clientId, step), out var known))
        {
            _failures[(clientId, step)] = (known.Report, Earliest(known.RetryFrom, retryFrom));
            return;
        }
        _failures[(clientId, step)] = (new ClientFailureReport(clientId, step, period, ClientFailures.Describe(error, statement)), retryFrom);
    }

    public IReadOnlyList<ClientFailureReport> Reports => _failures.Values.Select(f => f.Report).ToList();

    public IEnumerable<(ClientFailureReport Report, DateTimeOffset? RetryFrom)> Entries => _failures.Values;

    /// <summary>The clients that failed <paramref name="step"/> this run.</summary>
    public IEnumerable<string> Of(string step) => _failures.Keys.Where(k => k.Step == step).Select(k => k.ClientId);

    public bool Failed(string clientId, string step) => _failures.ContainsKey((clientId, step));

    public int ClientCount => _failures.Keys.Select(k => k.ClientId).Distinct().Count();

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;
}

/// <summary>
/// Per-client isolation of a set-based step (docs/decisions/0021): the work runs for a set of clients at once; when it
/// fails on data (anything <see cref="DatabaseFaults"/> does not call unavailable), it runs again in the same run for
/// each half of the set, halving the failing parts down to single clients, and only the clients that fail alone are
/// reported. Serialization failures and deadlocks are retried a
/// few times first; the database being unavailable stops the run.
/// </summary>
public static class ClientIsolation
{
    public const int ConflictAttempts = 4;

    /// <summary>True when <paramref name="e"/> is about the data (one client's, as far as we know), not the database's availability.</summary>
    public static bool IsDataFailure(Exception e, CancellationToken ct) =>
        e is not OperationCanceledException && !DatabaseFaults.IsUnavailable(e, ct);

    /// <param name="reset">Called before each new attempt, after a failed one (e.g. to clear the context's change tracker).</param>
    public static async Task<List<T>> EachAsync<TClient, T>(IReadOnlyList<TClient> clients, Func<IReadOnlyList<TClient>, Task<T>> work,
        Action<TClient, Exception> failed, Action reset, CancellationToken ct)
    {
        if (clients.Count == 0)
        {
            return [];
        }
        try
        {
            return [await RetryConflictsAsync(() => work(clients), reset, ct)];
        }
        catch (Exception e) when (IsDataFailure(e, ct))
        {
            reset();
            if (clients.Count == 1)
            {
                failed(clients[0], e);
                return [];
            }
            // Halves, not one by one: a batch of 20,000 with one bad client costs about 2 log2(20,000) = 30 smaller
            // batches, not 20,000 transactions, and every client that fails stands alone in the end.
            var half = clients.Count / 2;
            var results = await EachAsync(clients.Take(half).ToList(), work, failed, reset, ct);
            results.AddRange(await EachAsync(clients.Skip(half).ToList(), work, failed, reset, ct));
            return results;
        }
    }

    /// <summary>Runs <paramref name="work"/> (one transaction, or idempotent statements) again after a serialization
    /// failure or a deadlock (40001, 40P01), up to <see cref="ConflictAttempts"/> times in all.</summary>
    public static async Task<T> RetryConflictsAsync<T>(Func<Task<T>> work, Action reset, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (Exception e) when (attempt < ConflictAttempts && DatabaseFaults.IsRetryableConflict(e) && !ct.IsCancellationRequested)
            {
                reset();
                await Task.Delay(TimeSpan.FromMilliseconds(25 * attempt * attempt), ct);
            }
        }
    }
}
