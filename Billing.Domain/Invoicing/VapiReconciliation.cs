using Billing.Domain.Usage;
using Billing.Domain.Vapi;
using Microsoft.Extensions.Logging;

namespace Billing.Domain.Invoicing;

/// <summary>
/// Recovers calls whose webhook never arrived (Vapi sends each report once by default) and completes incomplete
/// rows, from GET /call, through the webhook's own mapping and recorder.
/// </summary>
public sealed class VapiReconciliation(VapiCallLister lister, UsageRecorder recorder, ILogger<VapiReconciliation> logger)
{
    public sealed record Window(string AssistantId, DateTimeOffset From, DateTimeOffset To);

    public sealed record Counts(int Found, int Inserted, int Completed);

    /// <exception cref="VapiUnavailableException">Vapi could not be reached; what was recorded so far stays.</exception>
    public async Task<Counts> ReconcileAsync(IEnumerable<Window> windows, CancellationToken ct)
    {
        int found = 0, inserted = 0, completed = 0;
        foreach (var window in windows)
        {
            foreach (var element in await lister.ListAsync(window.AssistantId, window.From, window.To, ct))
            {
                var parsed = VapiCallParser.FromApiCall(element);
                if (!parsed.IsValid || parsed.Call!.EndedAt is null && parsed.Call.EndedReason is null)
                {
                    continue; // unusable, or still in progress: a later run sees it ended
                }
                found++;
                switch (await recorder.RecordAsync(parsed.Call, UsageSource.Reconciliation, raw: null, ct))
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
}
