using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Vapi;

/// <summary>Typed HttpClient for Vapi; retries, timeouts and the circuit breaker come from the pipeline in <see cref="VapiServiceCollectionExtensions"/>.</summary>
public sealed class VapiApiClient(HttpClient http, IOptions<VapiOptions> options) : IVapiApi
{
    public Task<JsonElement?> GetCallAsync(string callId, CancellationToken ct) => GetOneAsync($"call/{Uri.EscapeDataString(callId)}", ct);

    public Task<JsonElement?> GetSquadAsync(string squadId, CancellationToken ct) => GetOneAsync($"squad/{Uri.EscapeDataString(squadId)}", ct);

    public async Task<IReadOnlyList<JsonElement>> ListCallsAsync(VapiCallFilter filter, DateTimeOffset createdAtGe, DateTimeOffset createdAtLe,
        int limit, CancellationToken ct)
    {
        var query = $"call?{filter.Parameter}={Uri.EscapeDataString(filter.Id)}&createdAtGe={Iso(createdAtGe)}&createdAtLe={Iso(createdAtLe)}&limit={limit}";
        using var response = await SendAsync(query, ct);
        var body = await ReadAsync(response, ct);
        if (body.ValueKind != JsonValueKind.Array)
        {
            throw new VapiUnavailableException("GET /call did not return a JSON array.");
        }
        return body.EnumerateArray().ToList();
    }

    /// <summary>One resource by id; null on 404 (Vapi does not know it).</summary>
    private async Task<JsonElement?> GetOneAsync(string relative, CancellationToken ct)
    {
        using var response = await SendAsync(relative, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        return await ReadAsync(response, ct);
    }

    private async Task<HttpResponseMessage> SendAsync(string relative, CancellationToken ct)
    {
        var key = options.Value.ApiKey;
        if (string.IsNullOrWhiteSpace(key))
        {
            throw new VapiUnavailableException("Vapi:ApiKey is not configured, so Vapi's API cannot be called.");
        }
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.Value.BaseUrl, relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        try
        {
            return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (Exception e) when (e is HttpRequestException or TimeoutException or Polly.CircuitBreaker.BrokenCircuitException
                                      or Polly.Timeout.TimeoutRejectedException
                                      or TaskCanceledException && !ct.IsCancellationRequested)
        {
            throw new VapiUnavailableException($"Vapi's API could not be reached: {e.Message}", e);
        }
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new VapiUnavailableException($"Vapi's API answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        using var document = await JsonDocument.ParseAsync(stream, cancellationToken: ct);
        return document.RootElement.Clone();
    }

    private static string Iso(DateTimeOffset instant) =>
        Uri.EscapeDataString(instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
}
