using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Web;
using Billing.Tests.Infrastructure;

namespace Billing.Tests.Invoicing;

/// <summary>
/// Vapi's REST API at the HTTP level, for the real typed client and resilience pipeline: GET /call filtered by
/// <c>assistantId</c> or <c>phoneNumberId</c> (bare array, newest first, at most <c>limit</c>; it has no squad filter),
/// GET /squad/{id} (404 for an unknown squad), with scripted failures answered before (or instead of) it.
/// </summary>
internal sealed class FakeVapi : HttpMessageHandler
{
    private static readonly string[] Filters = ["assistantId", "phoneNumberId"];

    public List<JsonObject> Calls { get; } = [];
    public Dictionary<string, JsonObject> Squads { get; } = [];
    public Queue<Func<HttpResponseMessage>> Before { get; } = new();
    public Func<HttpResponseMessage>? Always { get; set; }
    public List<Uri> Requests { get; } = [];

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        lock (Requests)
        {
            Requests.Add(request.RequestUri!);
        }
        if (Before.TryDequeue(out var scripted))
        {
            return Task.FromResult(scripted());
        }
        if (Always is not null)
        {
            return Task.FromResult(Always());
        }
        var path = request.RequestUri!.AbsolutePath;
        if (path.StartsWith("/squad/", StringComparison.Ordinal))
        {
            return Task.FromResult(Squads.TryGetValue(Uri.UnescapeDataString(path["/squad/".Length..]), out var squad)
                ? Json(squad.ToJsonString())
                : new HttpResponseMessage(HttpStatusCode.NotFound));
        }
        var query = HttpUtility.ParseQueryString(request.RequestUri.Query);
        var filter = Filters.Where(f => query[f] is not null).ToList();
        if (path != "/call" || filter.Count != 1 || query.AllKeys.Except([.. Filters, "createdAtGe", "createdAtLe", "limit"]).Any())
        {
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadRequest)); // what this fake does not know
        }
        var ge = DateTimeOffset.Parse(query["createdAtGe"]!, CultureInfo.InvariantCulture);
        var le = DateTimeOffset.Parse(query["createdAtLe"]!, CultureInfo.InvariantCulture);
        var page = Calls
            .Where(c => (string?)c[filter[0]] == query[filter[0]])
            .Select(c => (Call: c, CreatedAt: DateTimeOffset.Parse((string)c["createdAt"]!, CultureInfo.InvariantCulture)))
            .Where(c => c.CreatedAt >= ge && c.CreatedAt <= le)
            .OrderByDescending(c => c.CreatedAt)
            .Take(int.Parse(query["limit"]!, CultureInfo.InvariantCulture))
            .Select(c => c.Call.DeepClone());
        return Task.FromResult(Json(new JsonArray([.. page]).ToJsonString()));
    }

    /// <summary>A billing scenario that reconciles against this fake, in pages of 2, with short time-outs and back-off.</summary>
    public BillingScenario Scenario(TestDatabase database) => new(database, new()
    {
        ["Billing:ReconciliationEnabled"] = "true",
        ["Vapi:PageSize"] = "2",
        ["Vapi:AttemptTimeoutSeconds"] = "2",
        ["Vapi:TotalTimeoutSeconds"] = "10",
        ["Vapi:RetryBaseDelayMilliseconds"] = "20",
    }, this);

    private static HttpResponseMessage Json(string json) =>
        new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>An ended call as GET /call lists it (the fixture's successful call, moved to the given assistant and time;
    /// <paramref name="assistantId"/> null for a transient assistant).</summary>
    public static JsonObject EndedCall(string id, string? assistantId, string startedAt, int seconds)
    {
        var call = JsonNode.Parse(Fixtures.Vapi("calls-list-page.json"))!.AsArray()[2]!.AsObject();
        var start = DateTimeOffset.Parse(startedAt, CultureInfo.InvariantCulture);
        call["id"] = id;
        call["assistantId"] = assistantId;
        call["createdAt"] = Iso(start.AddSeconds(-1));
        call["startedAt"] = Iso(start);
        call["endedAt"] = Iso(start.AddSeconds(seconds));
        call["updatedAt"] = call["endedAt"]!.DeepClone();
        return call;
    }

    private static string Iso(DateTimeOffset instant) => instant.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
