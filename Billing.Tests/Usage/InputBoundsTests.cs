using Billing.Domain.Data;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Billing.Tests.Usage;

/// <summary>Client, payment and key bodies that fit their JSON types but not their columns, and the other inputs that
/// used to reach the database unvalidated: each is a 4xx naming the field.</summary>
public sealed class InputBoundsTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 12, 1, 8, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;
    private Api _api = null!;
    private string _admin = "";

    public async ValueTask InitializeAsync()
    {
        _services = database.CreateServices(_clock, Webhook.Settings);
        _api = new Api(_services);
        await using var scope = _services.CreateAsyncScope();
        _admin = (await scope.ServiceProvider.GetRequiredService<Billing.Domain.Access.ApiKeyService>()
            .CreateAsync("bounds-admin", Billing.Domain.Access.ApiKeyScope.Admin, null, null, default)).PlainKey;
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    public static TheoryData<string, string, string, string> Bodies => new()
    {
        { "POST", "/api/clients", """{"clientId":"tz1","name":"Windows zone","monthlyFee":1,"pricePerMinute":1,"timeZone":"GTB Standard Time"}""", "timeZone" },
        { "POST", "/api/clients", """{"clientId":"term1","name":"Long term","monthlyFee":1,"pricePerMinute":1,"paymentTermDays":366}""", "paymentTermDays" },
        { "POST", "/api/clients", """{"clientId":"term2","name":"Overflowing term","monthlyFee":1,"pricePerMinute":1,"paymentTermDays":2147483647}""", "paymentTermDays" },
        { "POST", "/api/clients", """{"clientId":"mail1","name":"Long mail","monthlyFee":1,"pricePerMinute":1,"email":"X"}""".Replace("\"X\"", "\"" + new string('m', 400) + "@x.ro\""), "email" },
        { "POST", "/api/clients", """{"clientId":"fee1","name":"Huge fee","monthlyFee":10000000000000,"pricePerMinute":1}""", "monthlyFee" },
        { "POST", "/api/clients", """{"clientId":"nul1","name":"Nul\u0000name","monthlyFee":1,"pricePerMinute":1}""", "name" },
        { "POST", "/api/keys", """{"name":"X","scope":"reporting"}""".Replace("\"X\"", "\"" + new string('k', 300) + "\""), "name" },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public async Task A_body_its_columns_cannot_hold_is_a_problem_naming_the_field(string method, string path, string body, string field)
    {
        var response = await _api.SendAsync(method, path, _admin, body);

        Assert.InRange(response.Status, 400, 422);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), response.Body);
    }

    [Fact]
    public async Task Changing_a_client_to_a_time_zone_PostgreSQL_refuses_is_refused()
    {
        Assert.Equal(201, (await _api.SendAsync("POST", "/api/clients", _admin,
            """{"clientId":"tz2","name":"Zone change","monthlyFee":1,"pricePerMinute":1}""")).Status);

        var response = await _api.SendAsync("PATCH", "/api/clients/tz2", _admin, """{"timeZone":"GTB Standard Time"}""");

        Assert.Equal(422, response.Status);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty("timeZone", out _), response.Body);
    }

    [Fact]
    public async Task An_HMAC_timestamp_beyond_the_calendar_is_a_401_not_a_500()
    {
        await using var services = database.CreateServices(_clock, new() { ["Vapi:Webhook:HmacSecrets:0"] = "hmac-key-for-input-bounds-tests-000000001" });

        var response = await Webhook.PostAsync(services, Webhook.Report("b1000000-0000-4000-8000-000000000001"),
            new() { ["x-timestamp"] = "9223372036854775807", ["x-signature"] = "00" });

        Assert.Equal(401, response.Status);
    }

    [Fact]
    public void The_database_error_classification_says_unavailable_only_for_faults_that_pass()
    {
        foreach (var state in new[] { "57P01", "57P02", "57P03", "53300", "25006", "08006", "08001", "55P03", "57014", "40001", "40P01" })
        {
            Assert.True(DatabaseFaults.IsUnavailable(new PostgresException("m", "FATAL", "FATAL", state)), state);
        }
        foreach (var state in new[] { "22001", "22003", "23505", "23514", "42P01", "22021" })
        {
            Assert.False(DatabaseFaults.IsUnavailable(new PostgresException("m", "ERROR", "ERROR", state)), state);
        }
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.False(DatabaseFaults.IsUnavailable(new PostgresException("m", "ERROR", "ERROR", "57014"), cancelled.Token));
        Assert.True(DatabaseFaults.IsUnavailable(new Microsoft.EntityFrameworkCore.DbUpdateException("x",
            new NpgsqlException("Exception while reading from stream", new EndOfStreamException()))));
    }

    [Fact]
    public async Task Every_endpoint_answers_503_with_Retry_After_when_the_database_is_unreachable()
    {
        await using var down = database.CreateServices(_clock, new(Webhook.Settings)
        {
            ["ConnectionStrings:Billing"] = "Host=127.0.0.1;Port=1;Database=billing;Username=x;Password=y;Timeout=2",
        });
        var api = new Api(down);
        foreach (var (method, template) in Api.Endpoints)
        {
            var path = template.Replace("{id}", Guid.NewGuid().ToString()).Replace("{clientId}", "c1");
            var response = await api.SendAsync(method, path, "bk_0123456789ab_0123456789abcdef0123456789abcdef", method is "GET" or "DELETE" ? null : "{}");
            Assert.True(response.Status == 503, $"{method} {path}: {response.Status} {response.Body}");
            Assert.False(string.IsNullOrEmpty(response.Headers.RetryAfter.ToString()), $"{method} {path}: no Retry-After");
        }
        Assert.Equal(503, (await Webhook.PostAsync(down, Webhook.Report("b2000000-0000-4000-8000-000000000001"))).Status);
    }
}
