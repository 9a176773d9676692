using System.Text.Json;

namespace Billing.Domain.Vapi;

/// <summary>The parts of Vapi's REST API billing needs; calls come back as raw JSON and go through <c>VapiCallParser</c>.</summary>
public interface IVapiApi
{
    /// <summary>GET /call/{id}; null when Vapi does not know the call.</summary>
    Task<JsonElement?> GetCallAsync(string callId, CancellationToken ct);

    /// <summary>GET /call for one assistant with <c>createdAtGe</c> ≤ createdAt ≤ <c>createdAtLe</c>, newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<JsonElement>> ListCallsAsync(string assistantId, DateTimeOffset createdAtGe, DateTimeOffset createdAtLe, int limit,
        CancellationToken ct);
}

/// <summary>Vapi could not be reached or refused us (after the resilience pipeline's retries).</summary>
public sealed class VapiUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
