using Billing.Domain.Access;
using Billing.Functions.Infrastructure;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Security;

/// <summary>
/// What one instance takes on: database work bounded to the pool (excess waits briefly, then 503 with Retry-After), and
/// a token bucket per API key (429 with Retry-After, as an RFC 9457 problem).
/// </summary>
public sealed class RequestLimitsTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static async Task<string> KeyAsync(IServiceProvider services, ApiKeyScope scope, string name)
    {
        await using var s = services.CreateAsyncScope();
        return (await s.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(name, scope, null, null, default)).PlainKey;
    }

    [Fact]
    public async Task The_bound_defaults_to_the_connection_pool_size()
    {
        await using var pooled = database.CreateServices(settings: new()
        {
            ["ConnectionStrings:Billing"] = database.ConnectionString + ";Maximum Pool Size=7",
        });
        await using var set = database.CreateServices(settings: new() { ["Limits:DatabaseConcurrency"] = "3" });

        Assert.Equal(7, pooled.GetRequiredService<DatabaseWorkGate>().Capacity);
        Assert.Equal(3, set.GetRequiredService<DatabaseWorkGate>().Capacity);
    }

    [Fact]
    public async Task At_the_concurrency_bound_an_api_request_waits_briefly_then_gets_503_with_retry_after()
    {
        await using var services = database.CreateServices(settings: new()
        {
            ["Limits:DatabaseConcurrency"] = "1",
            ["Limits:QueueTimeoutSeconds"] = "0.3",
        });
        var key = await KeyAsync(services, ApiKeyScope.Reporting, "bi-bound");
        var api = new Api(services);
        var gate = services.GetRequiredService<DatabaseWorkGate>();

        HttpTesting.Response refused;
        using (await gate.EnterAsync(default))
        {
            refused = await api.GetAsync("/api/invoices", key);
        }
        var after = await api.GetAsync("/api/invoices", key);

        Assert.Equal(503, refused.Status);
        Assert.Equal("1", refused.Headers.RetryAfter.ToString());
        Assert.StartsWith("application/problem+json", refused.ContentType);
        Assert.Equal(503, refused.Json.GetProperty("status").GetInt32());
        Assert.Equal(200, after.Status);
    }

    [Fact]
    public async Task A_request_that_finds_a_slot_within_the_wait_is_served()
    {
        await using var services = database.CreateServices(settings: new()
        {
            ["Limits:DatabaseConcurrency"] = "1",
            ["Limits:QueueTimeoutSeconds"] = "5",
        });
        var key = await KeyAsync(services, ApiKeyScope.Reporting, "bi-wait");
        var gate = services.GetRequiredService<DatabaseWorkGate>();

        var held = await gate.EnterAsync(default);
        var waiting = new Api(services).GetAsync("/api/invoices", key);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        held!.Dispose();

        Assert.Equal(200, (await waiting).Status);
    }

    [Fact]
    public async Task At_the_concurrency_bound_the_webhook_answers_503_with_retry_after_and_stores_nothing()
    {
        var settings = Webhook.Settings;
        settings["Limits:DatabaseConcurrency"] = "1";
        settings["Limits:QueueTimeoutSeconds"] = "0.2";
        settings["Vapi:Webhook:CompleteFromApi"] = "false";
        await using var services = database.CreateServices(settings: settings);
        var gate = services.GetRequiredService<DatabaseWorkGate>();

        HttpTesting.Response refused;
        using (await gate.EnterAsync(default))
        {
            refused = await Webhook.PostAsync(services, Webhook.Report("call-bound-1"));
        }

        Assert.Equal(503, refused.Status);
        Assert.Equal("1", refused.Headers.RetryAfter.ToString());
        await using var db = database.CreateContext();
        Assert.False(await db.UsageLogs.AnyAsync(u => u.CallId == "call-bound-1"));
        // Vapi's retry then lands.
        Assert.Equal(200, (await Webhook.PostAsync(services, Webhook.Report("call-bound-1"))).Status);
        Assert.True(await db.UsageLogs.AnyAsync(u => u.CallId == "call-bound-1"));
    }

    [Fact]
    public async Task A_key_past_its_burst_gets_429_with_retry_after_and_other_keys_go_on()
    {
        await using var services = database.CreateServices(settings: new()
        {
            // One token per 100 s: nothing refills while the test runs.
            ["Limits:KeyRequestsPerSecond"] = "0.01",
            ["Limits:KeyBurst"] = "3",
        });
        var busy = await KeyAsync(services, ApiKeyScope.Reporting, "bi-busy");
        var other = await KeyAsync(services, ApiKeyScope.Reporting, "bi-other");
        var api = new Api(services);

        var statuses = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await api.GetAsync("/api/invoices", busy)).Status);
        }
        var limited = await api.GetAsync("/api/invoices", busy);

        Assert.Equal([200, 200, 200], statuses);
        Assert.Equal(429, limited.Status);
        Assert.StartsWith("application/problem+json", limited.ContentType);
        Assert.Equal(429, limited.Json.GetProperty("status").GetInt32());
        Assert.InRange(int.Parse(limited.Headers.RetryAfter.ToString(), System.Globalization.CultureInfo.InvariantCulture), 1, 100);
        Assert.Equal(200, (await api.GetAsync("/api/invoices", other)).Status);
    }

    [Theory]
    [InlineData(false, 429)]
    [InlineData(true, 200)]
    public async Task Admin_keys_are_limited_unless_the_setting_exempts_them(bool exempt, int fourth)
    {
        await using var services = database.CreateServices(settings: new()
        {
            ["Limits:KeyRequestsPerSecond"] = "0.01",
            ["Limits:KeyBurst"] = "3",
            ["Limits:ExemptAdminKeys"] = exempt ? "true" : "false",
        });
        var admin = await KeyAsync(services, ApiKeyScope.Admin, "ops-" + exempt);
        var api = new Api(services);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await api.GetAsync("/api/keys", admin)).Status);
        }

        Assert.Equal(fourth, (await api.GetAsync("/api/keys", admin)).Status);
    }
}
