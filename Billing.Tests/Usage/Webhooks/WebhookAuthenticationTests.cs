using Billing.Functions.Usage;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Usage.Webhooks;

/// <summary>Who may deliver: the shared secrets during rotation, bearer tokens, HMAC signatures within their tolerance.</summary>
public sealed class WebhookAuthenticationTests(TestDatabase database) : WebhookTestBase(database)
{
    public static TheoryData<string, Dictionary<string, string>, bool> Credentials => new()
    {
        { "current X-Vapi-Secret", new() { ["X-Vapi-Secret"] = Secret }, true },
        { "previous X-Vapi-Secret during rotation", new() { ["X-Vapi-Secret"] = OldSecret }, true },
        { "rotated-out X-Vapi-Secret", new() { ["X-Vapi-Secret"] = "x-vapi-secret-retired-9999" }, false },
        { "wrong X-Vapi-Secret", new() { ["X-Vapi-Secret"] = Secret + "x" }, false },
        { "no credential", new(), false },
        { "bearer token", new() { ["Authorization"] = "Bearer " + BearerToken }, true },
        { "bearer token without prefix", new() { ["Authorization"] = BearerToken }, false },
        { "wrong bearer token", new() { ["Authorization"] = "Bearer nope-nope-nope-nope" }, false },
    };

    [Theory]
    [MemberData(nameof(Credentials))]
    public async Task Each_credential_is_accepted_or_refused_with_nothing_written(string what, Dictionary<string, string> headers, bool accepted)
    {
        var callId = $"aaaaaaaa-0000-4000-8000-{Math.Abs(what.GetHashCode()):D12}"[..36];
        var response = await PostAsync(WithCallId("end-of-call-report-success.json", callId), headers);

        Assert.Equal(accepted ? 200 : 401, response.Status);
        Assert.Equal(accepted ? 1 : 0, (await RowsAsync(callId)).Count);
        if (!accepted)
        {
            Assert.StartsWith("application/problem+json", response.ContentType);
        }
    }

    [Theory]
    [InlineData("fresh seconds", 0, false, true)]
    [InlineData("fresh milliseconds", -30, true, true)]
    [InlineData("stale", -301, false, false)]
    [InlineData("from the future", 301, false, false)]
    public async Task Hmac_signatures_are_checked_over_the_raw_body_within_the_tolerance(string what, int offsetSeconds, bool milliseconds, bool accepted)
    {
        var callId = $"bbbbbbbb-0000-4000-8000-{Math.Abs(what.GetHashCode()):D12}"[..36];
        var body = WithCallId("end-of-call-report-success.json", callId);
        var sent = Clock.GetUtcNow().AddSeconds(offsetSeconds);
        var timestamp = milliseconds ? sent.ToUnixTimeMilliseconds().ToString() : sent.ToUnixTimeSeconds().ToString();

        var response = await PostAsync(body, new() { ["x-timestamp"] = timestamp, ["x-signature"] = Sign(HmacKey, timestamp, body) });

        Assert.Equal(accepted ? 200 : 401, response.Status);
        Assert.Equal(accepted ? 1 : 0, (await RowsAsync(callId)).Count);
    }

    [Fact]
    public async Task A_signature_of_other_bytes_or_with_another_key_is_refused()
    {
        var body = WithCallId("end-of-call-report-success.json", "cccccccc-0000-4000-8000-000000000001");
        var timestamp = Clock.GetUtcNow().ToUnixTimeSeconds().ToString();

        var tamperedBody = body.Replace("customer-ended-call", "assistant-ended-call");
        Assert.NotEqual(body, tamperedBody);
        var tampered = await PostAsync(tamperedBody, new() { ["x-timestamp"] = timestamp, ["x-signature"] = Sign(HmacKey, timestamp, body) });
        var otherKey = await PostAsync(body, new() { ["x-timestamp"] = timestamp, ["x-signature"] = Sign("another-key-entirely-000", timestamp, body) });

        Assert.Equal(401, tampered.Status);
        Assert.Equal(401, otherKey.Status);
        Assert.Empty(await RowsAsync("cccccccc-0000-4000-8000-000000000001"));
    }

    [Fact]
    public async Task Hmac_headers_encoding_and_prefix_are_configurable()
    {
        await using var services = Database.CreateServices(Clock, new()
        {
            ["Vapi:Webhook:HmacSecrets:0"] = HmacKey,
            ["Vapi:Webhook:SignatureHeader"] = "x-vapi-signature",
            ["Vapi:Webhook:TimestampHeader"] = "x-vapi-timestamp",
            ["Vapi:Webhook:SignatureEncoding"] = "base64",
            ["Vapi:Webhook:SignaturePrefix"] = "sha256=",
        });
        var body = WithCallId("end-of-call-report-success.json", "dddddddd-0000-4000-8000-000000000001");
        var timestamp = Clock.GetUtcNow().ToUnixTimeSeconds().ToString();
        var signature = "sha256=" + Convert.ToBase64String(Convert.FromHexString(Sign(HmacKey, timestamp, body)));

        var response = await PostAsync(services, body, new() { ["x-vapi-timestamp"] = timestamp, ["x-vapi-signature"] = signature });

        Assert.Equal(200, response.Status);
    }

    [Fact]
    public void The_app_refuses_to_start_without_any_webhook_credential()
    {
        using var services = Database.CreateServices(settings: new());
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VapiWebhookOptions>>().Value);
        Assert.Contains("Vapi:Webhook:Secrets:0", error.Message);
    }
}
