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

    /// <summary>
    /// Real concurrent requests, webhook deliveries and API reads at once, through a gate much smaller than the pool:
    /// the app never holds more connections than the gate allows (seen from PostgreSQL), every answer is 200 or a 503
    /// with Retry-After (never a 500 from an exhausted pool), and every delivery answered 503 lands when Vapi retries it.
    /// 48 requests here; <c>BILLING_GATE_LOAD_REQUESTS=2000</c> runs the same test as a load test.
    /// </summary>
    [Fact]
    public async Task Under_real_concurrency_the_gate_bounds_connections_and_loses_nothing()
    {
        const int Capacity = 3;
        var requests = int.TryParse(Environment.GetEnvironmentVariable("BILLING_GATE_LOAD_REQUESTS"), out var n) && n >= 2 ? n : 48;
        var application = $"gate-load-{Guid.NewGuid():N}"[..30];
        var settings = Webhook.Settings;
        settings["ConnectionStrings:Billing"] = database.ConnectionString + $";Maximum Pool Size=40;Application Name={application}";
        settings["Limits:DatabaseConcurrency"] = Capacity.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Limits:QueueTimeoutSeconds"] = "0.3";
        settings["Limits:KeyRequestsPerSecond"] = "100000";
        settings["Limits:KeyBurst"] = "100000";
        settings["Vapi:Webhook:CompleteFromApi"] = "false";
        await using var services = database.CreateServices(settings: settings);
        var key = await KeyAsync(services, ApiKeyScope.Reporting, "bi-load");
        var api = new Api(services);

        // PostgreSQL's own count of the app's connections, sampled while the requests run.
        using var stop = new CancellationTokenSource();
        var peak = 0;
        var sampler = Task.Run(async () =>
        {
            await using var connection = await database.OpenConnectionAsync();
            await using var count = new Npgsql.NpgsqlCommand("SELECT count(*)::int FROM pg_stat_activity WHERE application_name = @a", connection);
            count.Parameters.AddWithValue("a", application);
            while (!stop.IsCancellationRequested)
            {
                peak = Math.Max(peak, (int)(await count.ExecuteScalarAsync())!);
                await Task.Delay(10);
            }
        });

        var calls = Enumerable.Range(0, requests / 2).Select(i => $"call-load-{i}").ToList();
        var deliveries = calls.Select(id => Task.Run(() => Webhook.PostAsync(services, Webhook.Report(id)))).ToList();
        var reads = Enumerable.Range(0, requests - calls.Count).Select(_ => Task.Run(() => api.GetAsync("/api/invoices?limit=5", key))).ToList();
        var answers = await Task.WhenAll(deliveries.Concat(reads));
        stop.Cancel();
        await sampler;

        Assert.All(answers, a => Assert.True(a.Status is 200 or 503, $"{a.Status}: {a.Body}"));
        Assert.All(answers.Where(a => a.Status == 503), a => Assert.Equal("1", a.Headers.RetryAfter.ToString()));
        Assert.Contains(answers, a => a.Status == 200);
        Assert.InRange(peak, 1, Capacity);

        // Vapi retries what was refused; then every call is stored, once.
        for (var i = 0; i < calls.Count; i++)
        {
            var status = (await deliveries[i]).Status;
            for (var attempt = 0; status == 503 && attempt < 10; attempt++)
            {
                status = (await Webhook.PostAsync(services, Webhook.Report(calls[i]))).Status;
            }
            Assert.Equal(200, status);
        }
        await using var db = database.CreateContext();
        var stored = await db.UsageLogs.Where(u => calls.Contains(u.CallId)).Select(u => u.CallId).ToListAsync();
        Assert.Equal(calls.Order(StringComparer.Ordinal), stored.Order(StringComparer.Ordinal));
    }
}
