using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Billing.Domain.Access;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Tests.Security;

/// <summary>
/// Every log line the API and the webhook write, at every level, while good and bad keys and secrets are presented,
/// searched for every key and secret used: none may appear, whole or as its secret part.
/// </summary>
public sealed class SecretsInLogsTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private const string XVapiSecret = "x-vapi-secret-for-log-search-tests-0001";
    private const string BearerToken = "bearer-token-for-log-search-tests-00001";
    private const string HmacKey = "hmac-key-for-log-search-tests-000000001";
    private static readonly DateTimeOffset Now = new(2025, 12, 1, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task No_key_or_secret_reaches_the_logs_through_auth_failures_bad_secrets_or_success()
    {
        var logs = new CapturingLoggerProvider();
        var clock = new FakeTimeProvider(Now);
        await using var services = database.CreateServices(clock, new()
        {
            ["Vapi:Webhook:Secrets:0"] = XVapiSecret,
            ["Vapi:Webhook:BearerTokens:0"] = BearerToken,
            ["Vapi:Webhook:HmacSecrets:0"] = HmacKey,
            ["Vapi:Webhook:CompleteFromApi"] = "false",
        }, s => s.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        var secrets = new List<string> { XVapiSecret, BearerToken, HmacKey };

        ApiKeyService.CreatedKey reporting, revoked, expiring;
        await using (var scope = services.CreateAsyncScope())
        {
            var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
            reporting = await keys.CreateAsync("bi-logs", ApiKeyScope.Reporting, null, null, default);
            revoked = await keys.CreateAsync("bi-revoked", ApiKeyScope.Reporting, null, null, default);
            expiring = await keys.CreateAsync("bi-expiring", ApiKeyScope.Reporting, null, Now.AddMinutes(1), default);
            await keys.RevokeAsync(revoked.Key.Id, default);
        }
        var tampered = reporting.PlainKey[..^4] + "zzzz";
        var unknown = "bk_" + new string('q', 12) + "_" + new string('w', 43);
        foreach (var key in new[] { reporting.PlainKey, revoked.PlainKey, expiring.PlainKey })
        {
            secrets.Add(key);
            secrets.Add(key[(key.LastIndexOf('_') + 1)..]); // the secret part alone
        }
        secrets.AddRange([tampered, unknown, "x-vapi-secret-that-is-wrong-for-logs-01", "bearer-token-that-is-wrong-for-logs-001"]);

        var api = new Api(services);
        Assert.Equal(200, (await api.GetAsync("/api/invoices", reporting.PlainKey)).Status);
        Assert.Equal(403, (await api.GetAsync("/api/keys", reporting.PlainKey)).Status);
        Assert.Equal(400, (await api.GetAsync("/api/invoices?limit=nope", reporting.PlainKey)).Status);
        Assert.Equal(401, (await api.GetAsync("/api/invoices", revoked.PlainKey)).Status);
        Assert.Equal(401, (await api.GetAsync("/api/invoices", tampered)).Status);
        Assert.Equal(401, (await api.GetAsync("/api/invoices", unknown)).Status);
        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(401, (await api.GetAsync("/api/invoices", expiring.PlainKey)).Status);

        var report = Webhook.Report("call-logs-1");
        Assert.Equal(200, (await Webhook.PostAsync(services, report, new() { ["X-Vapi-Secret"] = XVapiSecret })).Status);
        Assert.Equal(200, (await Webhook.PostAsync(services, report, new() { ["Authorization"] = "Bearer " + BearerToken })).Status);
        var stamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(HmacKey), Encoding.UTF8.GetBytes(stamp + "." + report)));
        Assert.Equal(200, (await Webhook.PostAsync(services, report, new() { ["x-timestamp"] = stamp, ["x-signature"] = signature })).Status);
        Assert.Equal(401, (await Webhook.PostAsync(services, report, new() { ["X-Vapi-Secret"] = "x-vapi-secret-that-is-wrong-for-logs-01" })).Status);
        Assert.Equal(401, (await Webhook.PostAsync(services, report, new() { ["Authorization"] = "Bearer bearer-token-that-is-wrong-for-logs-001" })).Status);
        Assert.Equal(401, (await Webhook.PostAsync(services, report, new() { ["x-timestamp"] = stamp, ["x-signature"] = new string('0', 64) })).Status);
        Assert.Equal(400, (await Webhook.PostAsync(services, "{not json", new() { ["X-Vapi-Secret"] = XVapiSecret })).Status);

        // The search covers real output: the refusals were logged, and so was the database work.
        Assert.Contains(logs.Entries, e => e.Message.Contains("Refused a webhook request", StringComparison.Ordinal));
        Assert.True(logs.Entries.Count > 20, $"only {logs.Entries.Count} log entries were captured");
        var leaks = logs.Entries.SelectMany(e => secrets.Where(s => e.Message.Contains(s, StringComparison.Ordinal)).Select(s => $"{e.Category}: {s}")).ToList();
        Assert.True(leaks.Count == 0, "Secrets in the logs:\n" + string.Join("\n", leaks));
    }

    /// <summary>
    /// Every other API and webhook test searches its logs after each request (<see cref="LogLeakSearch"/>): here that
    /// search is shown to fail when code logs a presented key, the key's secret part logged before the request, or a
    /// configured webhook secret, without printing the secret in the failure.
    /// </summary>
    [Theory]
    [InlineData("the key")]
    [InlineData("the secret part, logged before the request")]
    [InlineData("the configured webhook secret")]
    public async Task The_search_after_every_request_fails_a_test_whose_code_logs_a_credential(string leaked)
    {
        const string PresentedKey = "bk_abcdefghijkl_" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG";
        await using var services = database.CreateServices(settings: new() { ["Vapi:Webhook:Secrets:0"] = XVapiSecret });
        await using var scope = services.CreateAsyncScope();
        var logger = scope.ServiceProvider.GetRequiredService<ILogger<SecretsInLogsTests>>();
        if (leaked.StartsWith("the secret part", StringComparison.Ordinal))
        {
            logger.LogDebug("Looking up {Secret}", PresentedKey[16..]);
            // A request that presents nothing: the entry is searched now, before the key is known to be a secret.
            var clean = await FunctionPipeline.SendAsync(HttpTesting.NewContext(scope.ServiceProvider), "Clean",
                () => Task.FromResult<Microsoft.AspNetCore.Http.IResult>(Microsoft.AspNetCore.Http.Results.Ok()));
            Assert.Equal(200, clean.Status);
        }
        var context = HttpTesting.NewContext(scope.ServiceProvider, "GET", "/api/invoices", headers: new() { ["Authorization"] = "Bearer " + PresentedKey });

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => FunctionPipeline.SendAsync(context, "Leaky", () =>
        {
            if (leaked == "the key")
            {
                logger.LogInformation("Checking {Header}", context.Request.Headers.Authorization.ToString());
            }
            else if (leaked == "the configured webhook secret")
            {
                logger.LogTrace("Comparing with {Expected}", XVapiSecret);
            }
            return Task.FromResult<Microsoft.AspNetCore.Http.IResult>(Microsoft.AspNetCore.Http.Results.Ok());
        }));

        Assert.Contains("credentials reached the logs", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(PresentedKey[16..], failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(XVapiSecret, failure.Message, StringComparison.Ordinal);
    }
}
