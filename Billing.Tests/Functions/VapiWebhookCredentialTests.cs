using System.Text.Json.Nodes;
using Billing.Functions.Usage;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Tests.Functions;

/// <summary>Header credentials are proven before the body is read; the configuration refuses the traps.</summary>
public sealed class VapiWebhookCredentialTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private const string Secret = "x-vapi-secret-for-credential-tests-01";
    private const string HmacKey = "hmac-key-for-credential-tests-0000001";

    /// <summary>A request body that records whether anyone touched it.</summary>
    private sealed class WatchedStream : MemoryStream
    {
        public bool Touched { get; private set; }
        public WatchedStream() : base("{\"message\":{\"type\":\"status-update\"}}"u8.ToArray()) { }
        public override int Read(byte[] buffer, int offset, int count) { Touched = true; return base.Read(buffer, offset, count); }
        public override int Read(Span<byte> buffer) { Touched = true; return base.Read(buffer); }
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) { Touched = true; return base.ReadAsync(buffer, offset, count, ct); }
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) { Touched = true; return base.ReadAsync(buffer, ct); }
        public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken ct) { Touched = true; return base.CopyToAsync(destination, bufferSize, ct); }
    }

    private static async Task<(int Status, bool BodyTouched)> PostAsync(IServiceProvider services, Dictionary<string, string> headers)
    {
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<VapiWebhookFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, "POST", "/api/vapi/webhook", headers: headers);
        var body = new WatchedStream();
        context.Request.Body = body;
        context.Request.ContentType = "application/json";
        var response = await HttpTesting.ExecuteAsync(await function.VapiWebhook(context.Request, CancellationToken.None), context);
        return (response.Status, body.Touched);
    }

    [Theory]
    [InlineData("X-Vapi-Secret", "x-vapi-secret-that-is-wrong-000000000")]
    [InlineData("Authorization", "Bearer a-bearer-token-that-is-wrong-00000")]
    [InlineData("X-Unrelated", "nothing")]
    public async Task A_wrong_or_missing_header_credential_gets_401_without_the_body_being_read(string header, string value)
    {
        await using var services = database.CreateServices(settings: new()
        {
            ["Vapi:Webhook:Secrets:0"] = Secret,
            ["Vapi:Webhook:BearerTokens:0"] = "a-bearer-token-that-is-right-0000000",
            ["Vapi:Webhook:CompleteFromApi"] = "false",
        });

        var (status, touched) = await PostAsync(services, new() { [header] = value });

        Assert.Equal(401, status);
        Assert.False(touched);
    }

    [Fact]
    public async Task Without_hmac_configured_a_signature_header_does_not_get_the_body_read()
    {
        await using var services = database.CreateServices(settings: new() { ["Vapi:Webhook:Secrets:0"] = Secret });

        var (status, touched) = await PostAsync(services, new() { ["x-timestamp"] = "1", ["x-signature"] = "00" });

        Assert.Equal(401, status);
        Assert.False(touched);
    }

    [Fact]
    public async Task In_hmac_mode_the_body_is_read_then_the_signature_refused()
    {
        await using var services = database.CreateServices(settings: new() { ["Vapi:Webhook:HmacSecrets:0"] = HmacKey });

        var (status, touched) = await PostAsync(services, new() { ["x-timestamp"] = "1", ["x-signature"] = "00" });

        Assert.Equal(401, status);
        Assert.True(touched);
    }

    [Fact]
    public async Task A_right_header_credential_reads_the_body_and_answers()
    {
        await using var services = database.CreateServices(settings: new() { ["Vapi:Webhook:Secrets:0"] = Secret });

        var (status, touched) = await PostAsync(services, new() { ["X-Vapi-Secret"] = Secret });

        Assert.Equal(200, status);
        Assert.True(touched);
    }

    private OptionsValidationException Refusal(Dictionary<string, string?> settings)
    {
        using var services = database.CreateServices(settings: settings);
        return Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<VapiWebhookOptions>>().Value);
    }

    [Fact]
    public void The_sample_settings_placeholder_is_refused_as_a_secret()
    {
        var sample = JsonNode.Parse(File.ReadAllText(RepositoryRoot.Combine("local.settings.sample.json")))!;
        var placeholder = sample["Values"]!["Vapi__Webhook__Secrets__0"]!.GetValue<string>();
        Assert.Equal(VapiWebhookOptions.SamplePlaceholder, placeholder);

        var error = Refusal(new() { ["Vapi:Webhook:Secrets:0"] = placeholder });

        Assert.Contains("placeholder", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Vapi:Webhook:Secrets:0")]
    [InlineData("Vapi:Webhook:BearerTokens:0")]
    [InlineData("Vapi:Webhook:HmacSecrets:0")]
    public void A_secret_shorter_than_32_characters_is_refused(string setting)
    {
        var error = Refusal(new() { [setting] = new string('k', 31) });

        Assert.Contains("at least 32 characters", error.Message, StringComparison.Ordinal);
        using var services = database.CreateServices(settings: new() { [setting] = new string('k', 32) });
        Assert.Equal(32, services.GetRequiredService<IOptions<VapiWebhookOptions>>().Value.Secrets.Concat(
            services.GetRequiredService<IOptions<VapiWebhookOptions>>().Value.BearerTokens).Concat(
            services.GetRequiredService<IOptions<VapiWebhookOptions>>().Value.HmacSecrets).Single().Length);
    }

    [Fact]
    public void Unauthenticated_mode_is_refused_in_azure()
    {
        var error = Refusal(new() { ["Vapi:Webhook:AllowUnauthenticated"] = "true", ["WEBSITE_INSTANCE_ID"] = "4f2c0e5b" });

        Assert.Contains("WEBSITE_INSTANCE_ID", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unauthenticated_mode_elsewhere_starts_with_a_warning()
    {
        var logs = new CapturingLoggerProvider();
        using var services = database.CreateServices(settings: new() { ["Vapi:Webhook:AllowUnauthenticated"] = "true" },
            overrides: s => s.AddLogging(l => l.AddProvider(logs)));

        services.GetRequiredService<VapiWebhookAuthenticator>();

        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("AllowUnauthenticated is on", StringComparison.Ordinal));
    }
}
