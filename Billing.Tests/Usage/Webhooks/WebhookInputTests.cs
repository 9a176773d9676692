using Billing.Functions.Usage;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Usage.Webhooks;

/// <summary>Bad, oversized or undeliverable input: a problem naming the field, 413, 503, and nothing half-written.</summary>
public sealed class WebhookInputTests(TestDatabase database) : WebhookTestBase(database)
{
    public static TheoryData<string, int, string> BadInputs => new()
    {
        { "this is not json", 400, "body" },
        { """{"hello":"world"}""", 400, "message" },
        { """{"message":{"endedReason":"customer-ended-call"}}""", 400, "message.type" },
        { """{"message":{"type":"end-of-call-report","endedReason":"customer-ended-call","artifact":{},"analysis":{}}}""", 422, "message.call.id" },
        { Report("88888888-0000-4000-8000-000000000001", """ "startedAt":"2025-11-14T10:00:00Z","endedAt":"2025-11-14T09:00:00Z" """), 422, "message.endedAt" },
        { Report("88888888-0000-4000-8000-000000000002", """ "startedAt":"2025-11-14T10:00:00Z","endedAt":"2025-11-16T10:00:00Z" """), 422, "message.endedAt" },
        { Report("88888888-0000-4000-8000-000000000003", """ "startedAt":"2025-11-14T10:00:00Z","durationMs":-5 """), 422, "message.durationMs" },
        { Report("88888888-0000-4000-8000-000000000004", """ "startedAt":"yesterday" """), 422, "message.startedAt" },
        { Report("88888888-0000-4000-8000-000000000005", """ "cost":-0.5 """), 422, "message.cost" },
    };

    private static string Report(string callId, string fields) =>
        "{\"message\":{\"type\":\"end-of-call-report\",\"endedReason\":\"customer-ended-call\",\"artifact\":{},\"analysis\":{}," + fields +
        ",\"call\":{\"id\":\"" + callId + "\",\"orgId\":\"o\",\"createdAt\":\"2025-11-14T09:59:00Z\",\"updatedAt\":\"2025-11-14T09:59:00Z\"," +
        "\"assistantId\":\"asst_clinica_serban_01\"}}}";

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_gets_a_problem_naming_the_field_and_writes_nothing(string body, int status, string field)
    {
        var before = await CountAsync();

        var response = await PostAsync(body);

        Assert.Equal(status, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {response.Body}");
        Assert.Equal(before, await CountAsync());
    }

    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xC0, 0xAF })]
    public async Task Invalid_UTF8_inside_a_string_is_a_malformed_body_not_a_500(byte[] invalid)
    {
        // Found by the fuzz (WebhookFuzzTests): the parser accepted the bytes and reading the message type threw.
        var text = Report("88888888-0000-4000-8000-000000000006", "\"startedAt\":\"2025-11-14T10:00:00Z\"");
        var at = text.IndexOf("end-of-call-report", StringComparison.Ordinal);
        byte[] body = [.. System.Text.Encoding.UTF8.GetBytes(text[..at]), .. invalid, .. System.Text.Encoding.UTF8.GetBytes(text[at..])];
        var before = await CountAsync();

        var response = await Webhook.PostAsync(Services, body, new() { ["X-Vapi-Secret"] = Secret });

        Assert.Equal(400, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty("body", out _), response.Body);
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task An_oversized_body_gets_413_whether_or_not_it_declares_its_length()
    {
        await using var small = Database.CreateServices(Clock, new(Settings) { ["Vapi:Webhook:MaxBodyBytes"] = "2048" });
        var body = WithCallId("end-of-call-report-success.json", "99999999-0000-4000-8000-000000000001");

        var declared = await PostAsync(small, body, new() { ["X-Vapi-Secret"] = Secret });
        Assert.Equal(413, declared.Status);

        await using var scope = small.CreateAsyncScope();
        var context = HttpTesting.NewContext(scope.ServiceProvider, "POST", body: body, headers: new() { ["X-Vapi-Secret"] = Secret });
        context.Request.ContentLength = null;
        var function = ActivatorUtilities.CreateInstance<VapiWebhookFunction>(scope.ServiceProvider);
        var chunked = await HttpTesting.ExecuteAsync(await function.VapiWebhook(context.Request, default), context);
        Assert.Equal(413, chunked.Status);
        Assert.Empty(await RowsAsync("99999999-0000-4000-8000-000000000001"));
    }

    [Fact]
    public async Task A_database_outage_gives_503_and_the_retried_delivery_is_stored_once()
    {
        const string callId = "eeeeeeee-0000-4000-8000-000000000001";
        var body = WithCallId("end-of-call-report-success.json", callId);
        await using var down = Database.CreateServices(Clock, new(Settings)
        {
            ["ConnectionStrings:Billing"] = "Host=127.0.0.1;Port=1;Database=billing;Username=x;Password=y;Timeout=2",
        });

        var outage = await PostAsync(down, body, new() { ["X-Vapi-Secret"] = Secret });
        Assert.Equal(503, outage.Status);
        Assert.Equal("30", outage.Headers.RetryAfter.ToString());
        Assert.Empty(await RowsAsync(callId));

        Assert.Equal(200, (await PostAsync(body)).Status);
        Assert.Equal(200, (await PostAsync(body)).Status);
        Assert.Single(await RowsAsync(callId));
    }
}
