using System.Text.Json;
using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Billing.Domain.Vapi;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Usage;

/// <summary>
/// Recovers calls whose webhook never arrived (Vapi sends each report once by default) and completes incomplete
/// rows, from GET /call, through the webhook's own mapping and recorder. <see cref="RunAsync"/> decides, for a billing
/// run, whether to reconcile and over which window.
/// </summary>
public sealed class VapiReconciliation(
    VapiCallLister lister,
    IVapiApi api,
    UsageRecorder recorder,
    BillingDbContext db,
    IOptions<BillingOptions> options,
    IOptions<VapiOptions> vapiOptions,
    ILogger<VapiReconciliation> logger)
{
    /// <summary>Calls of one mapping (an assistant, squad or phone number) created in [From, To); in a billing run, of
    /// <paramref name="ClientId"/>, whose failure a call the database refuses is.</summary>
    public sealed record Window(VapiResourceKind Kind, string VapiId, DateTimeOffset From, DateTimeOffset To, string? ClientId = null);

    public sealed record Counts(int Found, int Inserted, int Completed)
    {
        public static readonly Counts None = new(0, 0, 0);
    }

    /// <summary>How far before the last successful reconciliation the next one looks again, for calls that were still in
    /// progress then (Vapi calls last at most 12 hours).</summary>
    private static readonly TimeSpan Overlap = TimeSpan.FromDays(1);

    /// <summary>
    /// The reconciliation of a billing run as of <paramref name="asOf"/>: before any invoicing (<paramref name="dueFrom"/>
    /// holds the start of each client's oldest due period), and otherwise once per interval. Status <c>ok</c>,
    /// <c>skipped</c>, <c>disabled</c> or <c>failed</c> (Vapi unreachable: the run invoices from what is recorded,
    /// marked unreconciled). Only runs over all clients count as coverage. A client whose call the database refuses, or
    /// whose window cannot be computed, is that client's failure (<paramref name="failures"/>): the others' calls are
    /// recorded and the run stays <c>ok</c>, so the window keeps moving; the failing client's calls are listed again from
    /// its failed window on, every run, until they record (docs/decisions/0021).
    /// </summary>
    public async Task<(string Status, Counts Counts)> RunAsync(string? clientId, DateTimeOffset asOf,
        IReadOnlyDictionary<string, DateTimeOffset> dueFrom, CancellationToken ct, CycleFailures? failures = null)
    {
        if (!options.Value.ReconciliationEnabled)
        {
            return ("disabled", Counts.None);
        }
        var lastOk = await db.BillingRuns.Where(r => r.Reconciliation == "ok" && r.ClientId == null && !r.DryRun)
            .OrderByDescending(r => r.AsOf).Select(r => new { r.StartedAt, r.AsOf }).FirstOrDefaultAsync(ct);
        var coveredUntil = lastOk?.AsOf;
        if (dueFrom.Count == 0 && lastOk?.StartedAt > asOf.AddHours(-options.Value.ReconciliationIntervalHours))
        {
            return ("skipped", Counts.None);
        }
        if (string.IsNullOrWhiteSpace(vapiOptions.Value.ApiKey))
        {
            logger.LogWarning("Reconciliation needs Vapi:ApiKey; invoices of this run are marked unreconciled");
            return ("failed", Counts.None);
        }
        try
        {
            return ("ok", await ReconcileAsync(await WindowsAsync(clientId, asOf, dueFrom, coveredUntil, failures, ct), ct, failures));
        }
        catch (VapiUnavailableException e)
        {
            logger.LogWarning("Reconciliation failed, invoicing from what is recorded: {Reason}", e.Message);
            return ("failed", Counts.None);
        }
    }

    /// <summary>Per mapping (assistant, squad, phone number), from the oldest period still to invoice (or the open one), the oldest period invoiced
    /// unreconciled since the last run that reached Vapi, and that run (less an overlap), whichever is earliest.</summary>
    private async Task<List<Window>> WindowsAsync(string? clientId, DateTimeOffset asOf, IReadOnlyDictionary<string, DateTimeOffset> dueFrom,
        DateTimeOffset? coveredUntil, CycleFailures? failures, CancellationToken ct)
    {
        var retries = await db.ClientFailures.AsNoTracking()
            .Where(f => f.ResolvedAt == null && f.Step == CycleSteps.Reconciliation && f.RetryFrom != null)
            .ToDictionaryAsync(f => f.ClientId, f => f.RetryFrom!.Value, ct);
        var clients = await db.Clients.AsNoTracking().Include(c => c.Assistants)
            .Where(c => c.Active && (clientId == null || c.ClientId == clientId))
            .Select(c => new
            {
                Client = c,
                OldestUnreconciled = db.Invoices.Where(i => i.ClientId == c.ClientId && !i.Reconciled
                                                            && (coveredUntil == null || i.IssuedAt >= coveredUntil))
                    .OrderBy(i => i.Period).Select(i => i.PeriodStart).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var windows = new List<Window>();
        foreach (var (client, oldestUnreconciled) in clients.Select(c => (c.Client, c.OldestUnreconciled)))
        {
            DateTimeOffset from;
            try
            {
                var zone = TimeZoneInfo.FindSystemTimeZoneById(client.TimeZone);
                from = new[]
                {
                    dueFrom.TryGetValue(client.ClientId, out var due) ? due : DateTimeOffset.MaxValue,
                    BillingPeriod.Containing(asOf, client.BillingDay, zone).StartsAt(zone),
                    oldestUnreconciled is { } start ? BillingPeriod.LocalMidnight(start, zone) : DateTimeOffset.MaxValue,
                    coveredUntil is { } covered ? covered - Overlap : DateTimeOffset.MaxValue,
                    retries.TryGetValue(client.ClientId, out var retry) ? retry : DateTimeOffset.MaxValue,
                }.Min();
            }
            catch (Exception e) when (failures is not null && e is not OperationCanceledException)
            {
                failures.Add(client.ClientId, CycleSteps.Reconciliation, null, e, "reconciliation window");
                continue;
            }
            windows.AddRange(client.Assistants.Select(a => new Window(a.Kind, a.VapiId, from, asOf, client.ClientId)));
        }
        return windows;
    }

    /// <exception cref="VapiUnavailableException">Vapi could not be reached; what was recorded so far stays.</exception>
    public async Task<Counts> ReconcileAsync(IEnumerable<Window> windows, CancellationToken ct, CycleFailures? failures = null)
    {
        int found = 0, inserted = 0, completed = 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var window in windows)
        {
            foreach (var element in await ListAsync(window, ct))
            {
                var parsed = VapiCallParser.FromApiCall(element);
                if (!parsed.IsValid || parsed.Call!.EndedAt is null && parsed.Call.EndedReason is null)
                {
                    continue; // unusable, or still in progress: a later run sees it ended
                }
                if (!seen.Add(parsed.Call.CallId))
                {
                    continue; // listed by two mappings (a squad member also mapped itself, a phone number's assistant)
                }
                found++;
                RecordOutcome outcome;
                try
                {
                    outcome = await recorder.RecordAsync(parsed.Call, UsageSource.Reconciliation, raw: null, ct);
                }
                catch (Exception e) when (failures is not null && window.ClientId is not null && ClientIsolation.IsDataFailure(e, ct))
                {
                    logger.LogWarning("Reconciliation could not record call {CallId} of client {ClientId}: {Reason}", parsed.Call.CallId,
                        window.ClientId, ClientFailures.Describe(e));
                    failures.Add(window.ClientId, CycleSteps.Reconciliation, null, e, $"recording call {parsed.Call.CallId}", window.From);
                    continue;
                }
                switch (outcome)
                {
                    case RecordOutcome.Inserted:
                        inserted++;
                        logger.LogInformation("Reconciliation recovered call {CallId}", parsed.Call.CallId);
                        break;
                    case RecordOutcome.Completed:
                        completed++;
                        break;
                }
            }
        }
        return new Counts(found, inserted, completed);
    }

    /// <summary>
    /// The calls of one mapping. GET /call filters by assistant and by phone number, but has no squad filter: a squad's
    /// calls are listed through its member assistants, read from GET /squad/{id}, keeping those made through that
    /// squad. Which client each call bills is still decided by the recorder (<see cref="CallAttribution"/>).
    /// </summary>
    private async Task<IEnumerable<JsonElement>> ListAsync(Window window, CancellationToken ct)
    {
        switch (window.Kind)
        {
            case VapiResourceKind.Assistant:
                return await lister.ListAsync(VapiCallFilter.Assistant(window.VapiId), window.From, window.To, ct);
            case VapiResourceKind.PhoneNumber:
                return await lister.ListAsync(VapiCallFilter.PhoneNumber(window.VapiId), window.From, window.To, ct);
            default:
                var calls = new List<JsonElement>();
                foreach (var member in await SquadMembersAsync(window.VapiId, ct))
                {
                    calls.AddRange((await lister.ListAsync(VapiCallFilter.Assistant(member), window.From, window.To, ct))
                        .Where(c => c.TryGetProperty("squadId", out var squad) && squad.ValueKind == JsonValueKind.String
                                    && squad.GetString() == window.VapiId));
                }
                return calls;
        }
    }

    /// <summary>The saved assistants a squad is made of. A member given inline (a transient assistant) has no id, so its
    /// calls cannot be listed; a squad Vapi no longer knows has none. Both are logged, not an outage.</summary>
    private async Task<IReadOnlyList<string>> SquadMembersAsync(string squadId, CancellationToken ct)
    {
        if (await api.GetSquadAsync(squadId, ct) is not { } squad)
        {
            logger.LogWarning("Squad {SquadId} is unknown to Vapi; its calls cannot be reconciled", squadId);
            return [];
        }
        var members = squad.TryGetProperty("members", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(m => m.ValueKind == JsonValueKind.Object).ToList()
            : [];
        var ids = members
            .Select(m => m.TryGetProperty("assistantId", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null)
            .OfType<string>().Where(id => id.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        if (ids.Count < members.Count)
        {
            logger.LogWarning("Squad {SquadId} has {Count} inline (transient) members, which have no id to list their calls by",
                squadId, members.Count - ids.Count);
        }
        return ids;
    }
}
