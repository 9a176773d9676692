using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Vapi;

/// <summary>
/// Lists every call of an assistant (or phone number) created in [from, to). GET /call has no cursor: it returns at most
/// <c>limit</c> calls, newest first, so a full page is followed by another ending at the oldest <c>createdAt</c>
/// seen (inclusive, since calls can share an instant), and calls are deduplicated by id. A call missing from a
/// page is not a deletion; it is simply not listed.
/// </summary>
public sealed class VapiCallLister(IVapiApi api, IOptions<VapiOptions> options)
{
    public async Task<IReadOnlyList<JsonElement>> ListAsync(VapiCallFilter filter, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        var limit = Math.Clamp(options.Value.PageSize, 2, 1000);
        var seen = new Dictionary<string, JsonElement>();
        var upper = to.AddMilliseconds(-1);
        while (upper >= from)
        {
            var page = await api.ListCallsAsync(filter, from, upper, limit, ct);
            var oldest = upper;
            var newCalls = 0;
            foreach (var call in page)
            {
                if (!call.TryGetProperty("id", out var id) || id.GetString() is not { } callId)
                {
                    continue;
                }
                if (seen.TryAdd(callId, call))
                {
                    newCalls++;
                }
                if (call.TryGetProperty("createdAt", out var created) && created.TryGetDateTimeOffset(out var createdAt) && createdAt < oldest)
                {
                    oldest = createdAt;
                }
            }
            if (page.Count < limit)
            {
                break;
            }
            // A full page: continue from its oldest instant (inclusive). If the page held nothing new, every call of
            // that instant has been seen already (or more than a page share it), so step below it.
            upper = newCalls == 0 || oldest == upper ? oldest.AddMilliseconds(-1) : oldest;
        }
        return seen.Values.ToList();
    }
}
