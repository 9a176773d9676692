using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.Domain.Vapi;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Billing.Tests.Domain;

/// <summary>Vapi's API is outside our system: a fake HTTP handler stands in for it, behind the real resilience pipeline.</summary>
public sealed class VapiApiTests
{
    private sealed class ScriptedHandler(params Func<HttpRequestMessage, HttpResponseMessage>[] responses) : HttpMessageHandler
    {
        public List<HttpRequestMessage> Requests { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Requests.Add(request);
            return Task.FromResult(responses[Math.Min(Requests.Count - 1, responses.Length - 1)](request));
        }
    }

    private static IVapiApi Client(ScriptedHandler handler, Dictionary<string, string?>? settings = null)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vapi:ApiKey"] = "test-private-key",
            ["Vapi:AttemptTimeoutSeconds"] = "2",
            ["Vapi:TotalTimeoutSeconds"] = "20",
            ["Vapi:RetryBaseDelayMilliseconds"] = "50",
        }).AddInMemoryCollection(settings ?? []).Build();
        var services = new ServiceCollection().AddLogging().AddVapi(configuration);
        services.Configure<HttpClientFactoryOptions>(typeof(IVapiApi).Name, o =>
            o.HttpMessageHandlerBuilderActions.Add(b => b.PrimaryHandler = handler));
        return services.BuildServiceProvider().GetRequiredService<IVapiApi>();
    }

    private static HttpResponseMessage Json(string json) => new(HttpStatusCode.OK) { Content = new StringContent(json) };

    [Fact]
    public async Task A_429_is_retried_after_the_delay_vapi_asks_for()
    {
        var tooMany = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        tooMany.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
        var handler = new ScriptedHandler(_ => tooMany, _ => Json("""{"id":"c1","orgId":"o","createdAt":"2025-11-14T09:12:01.874Z","updatedAt":"2025-11-14T09:12:01.874Z"}"""));
        var started = DateTime.UtcNow;

        var call = await Client(handler).GetCallAsync("c1", default);

        Assert.Equal("c1", call!.Value.GetProperty("id").GetString());
        Assert.Equal(2, handler.Requests.Count);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(0.9), "the Retry-After delay was not honoured");
        Assert.Equal("Bearer", handler.Requests[0].Headers.Authorization!.Scheme);
    }

    [Fact]
    public async Task Server_errors_are_retried_and_then_reported_as_vapi_unavailable()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.InternalServerError));

        await Assert.ThrowsAsync<VapiUnavailableException>(() => Client(handler).GetCallAsync("c1", default));
        Assert.Equal(5, handler.Requests.Count);
    }

    [Fact]
    public async Task A_vapi_that_never_answers_in_time_is_reported_as_unavailable()
    {
        var handler = new ScriptedHandler(_ => throw new TaskCanceledException("no answer"));
        await Assert.ThrowsAsync<VapiUnavailableException>(() =>
            Client(handler, new() { ["Vapi:TotalTimeoutSeconds"] = "1", ["Vapi:AttemptTimeoutSeconds"] = "1" }).GetCallAsync("c1", default));
    }

    [Fact]
    public async Task An_unknown_call_is_null_not_an_error()
    {
        var handler = new ScriptedHandler(_ => new HttpResponseMessage(HttpStatusCode.NotFound));
        Assert.Null(await Client(handler).GetCallAsync("missing", default));
    }

    [Fact]
    public async Task Without_an_api_key_the_client_says_which_setting_is_missing()
    {
        var error = await Assert.ThrowsAsync<VapiUnavailableException>(() =>
            Client(new ScriptedHandler(_ => Json("{}")), new() { ["Vapi:ApiKey"] = "" }).GetCallAsync("c1", default));
        Assert.Contains("Vapi:ApiKey", error.Message);
    }

    [Fact]
    public async Task Listing_a_window_asks_by_assistant_and_creation_instants()
    {
        var handler = new ScriptedHandler(_ => Json(Fixtures.Vapi("calls-list-page.json")));
        var calls = await Client(handler).ListCallsAsync(VapiCallFilter.Assistant("asst_clinica_serban_01"),
            DateTimeOffset.Parse("2025-10-31T22:00:00Z"), DateTimeOffset.Parse("2025-11-30T21:59:59.999Z"), 3, default);

        Assert.Equal(3, calls.Count);
        var query = handler.Requests.Single().RequestUri!.Query;
        Assert.Contains("assistantId=asst_clinica_serban_01", query);
        Assert.Contains("createdAtGe=2025-10-31T22%3A00%3A00.000Z", query);
        Assert.Contains("limit=3", query);
    }

    [Fact]
    public async Task The_lister_follows_full_pages_by_creation_instant_and_dedupes_by_id()
    {
        var page = JsonNode.Parse(Fixtures.Vapi("calls-list-page.json"))!.AsArray();
        var calls = page.Select(c => c!.DeepClone().AsObject()).ToList();
        var older = calls[2].DeepClone().AsObject();
        older["id"] = "9b946e00-8648-424c-8ec2-c8d6ae46716a";
        older["createdAt"] = "2025-11-10T08:30:00.412Z";
        var api = Substitute.For<IVapiApi>();
        var from = DateTimeOffset.Parse("2025-10-31T22:00:00Z");
        var to = DateTimeOffset.Parse("2025-11-30T22:00:00Z");
        // First page is full (3 of limit 3); the next one, up to the oldest instant seen, repeats the oldest call and adds one.
        api.ListCallsAsync(VapiCallFilter.Assistant("a"), from, to.AddMilliseconds(-1), 3, Arg.Any<CancellationToken>())
            .Returns(calls.Select(Element).ToList());
        api.ListCallsAsync(VapiCallFilter.Assistant("a"), from, DateTimeOffset.Parse("2025-11-14T09:12:01.874Z"), 3, Arg.Any<CancellationToken>())
            .Returns(new[] { Element(calls[2]), Element(older) }.ToList());
        var lister = new VapiCallLister(api, Options.Create(new VapiOptions { PageSize = 3 }));

        var listed = await lister.ListAsync(VapiCallFilter.Assistant("a"), from, to, default);

        Assert.Equal(4, listed.Count);
        Assert.Equal(4, listed.Select(c => c.GetProperty("id").GetString()).Distinct().Count());
        await api.Received(2).ListCallsAsync(VapiCallFilter.Assistant("a"), Arg.Any<DateTimeOffset>(), Arg.Any<DateTimeOffset>(), 3, Arg.Any<CancellationToken>());
    }

    private static JsonElement Element(JsonNode node) => JsonDocument.Parse(node.ToJsonString()).RootElement;
}
