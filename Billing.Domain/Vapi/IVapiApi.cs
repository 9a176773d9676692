using System.Text.Json;

namespace Billing.Domain.Vapi;

/// <summary>The parts of Vapi's REST API billing needs; calls come back as raw JSON and go through <c>VapiCallParser</c>.</summary>
public interface IVapiApi
{
    /// <summary>GET /call/{id}; null when Vapi does not know the call.</summary>
    Task<JsonElement?> GetCallAsync(string callId, CancellationToken ct);

    /// <summary>GET /call filtered by one assistant or phone number, with <c>createdAtGe</c> ≤ createdAt ≤ <c>createdAtLe</c>,
    /// newest first, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<JsonElement>> ListCallsAsync(VapiCallFilter filter, DateTimeOffset createdAtGe, DateTimeOffset createdAtLe, int limit,
        CancellationToken ct);

    /// <summary>GET /squad/{id} (a <c>Squad</c>: <c>members[]</c> of <c>{assistantId?, assistant?}</c>); null when Vapi does not know it.</summary>
    Task<JsonElement?> GetSquadAsync(string squadId, CancellationToken ct);
}

/// <summary>The filters GET /call has for the resource a call was made through. It has none for squads: a squad's calls are
/// listed through its member assistants (see <c>VapiReconciliation</c>).</summary>
public readonly record struct VapiCallFilter(string Parameter, string Id)
{
    public static VapiCallFilter Assistant(string assistantId) => new("assistantId", assistantId);
    public static VapiCallFilter PhoneNumber(string phoneNumberId) => new("phoneNumberId", phoneNumberId);

    public override string ToString() => $"{Parameter}={Id}";
}

/// <summary>Vapi could not be reached or refused us (after the resilience pipeline's retries).</summary>
public sealed class VapiUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
