using Billing.Domain.Vapi;
using Microsoft.Extensions.Logging;

namespace Billing.Domain.Usage;

/// <summary>Completes an incomplete call from Vapi's final record (GET /call/{id}), through the same recorder.</summary>
/// <remarks>The API client is resolved on first use: most reports are complete, and building the typed client and its
/// resilience pipeline on every webhook request would be wasted work on the hot path.</remarks>
public sealed class UsageCompletion(Lazy<IVapiApi> vapi, UsageRecorder recorder, ILogger<UsageCompletion> logger)
{
    /// <summary>Null when Vapi could not be asked or does not know the call; the row then waits for reconciliation.</summary>
    public async Task<RecordOutcome?> TryCompleteAsync(string callId, CancellationToken ct)
    {
        try
        {
            var call = await vapi.Value.GetCallAsync(callId, ct);
            if (call is null)
            {
                logger.LogWarning("Vapi does not know call {CallId}; it stays incomplete", callId);
                return null;
            }
            var parsed = VapiCallParser.FromApiCall(call.Value);
            if (!parsed.IsValid)
            {
                logger.LogWarning("Vapi's record of call {CallId} is unusable: {Fields}", callId, string.Join(", ", parsed.Errors.Keys));
                return null;
            }
            return await recorder.RecordAsync(parsed.Call!, UsageSource.Reconciliation, raw: null, ct);
        }
        catch (VapiUnavailableException e)
        {
            logger.LogWarning("Call {CallId} stays incomplete until reconciliation: {Reason}", callId, e.Message);
            return null;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            logger.LogWarning("Call {CallId} stays incomplete until reconciliation: Vapi timed out", callId);
            return null;
        }
    }
}
