using Billing.Domain.Access;
using Billing.Domain.Clients;
using Billing.Functions.Infrastructure;
using Billing.Tests.Cli;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Billing.Tests.Invoicing;

/// <summary>
/// Where an operator learns that the cycle skipped a client (docs/decisions/0021): `billing cycle run` (its output and
/// exit code 4), `billing cycle failures`, GET /api/client-failures (admin only) and /api/health (degraded; the count for
/// an admin key). Its own database: the anonymous health must see only this class's failures.
/// </summary>
public sealed class ClientFailureReportingTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2038, 2, 1, 12, 0, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;
    private Api _api = null!;
    private string _admin = "";
    private string _clientKey = "";

    public async ValueTask InitializeAsync()
    {
        _services = database.CreateServices(_clock);
        _api = new Api(_services);
        await using (var db = database.CreateContext())
        {
            if (!await db.Clients.AnyAsync(c => c.ClientId == "dr_serban"))
            {
                var client = Fixtures.DrSerban();
                client.BillingStartDate = new DateOnly(2038, 1, 1);
                db.Clients.Add(client);
                await db.SaveChangesAsync();
            }
        }
        await using var scope = _services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        _admin = (await keys.CreateAsync("failures-admin", ApiKeyScope.Admin, null, null, default)).PlainKey;
        _clientKey = (await keys.CreateAsync("failures-client", ApiKeyScope.Client, "dr_serban", null, default)).PlainKey;
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private async Task SqlAsync(string sql)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<HttpTesting.Response> HealthAsync(string? key)
    {
        await using var scope = _services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<HealthFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, path: "/api/health",
            headers: key is null ? null : new() { ["Authorization"] = "Bearer " + key });
        var response = await HttpTesting.ExecuteAsync(await function.Health(context.Request, CancellationToken.None), context);
        Assert.Empty(OpenApiContract.Violations("Health", response.Status, response.ContentType, response.Body));
        return response;
    }

    [Fact]
    public async Task A_skipped_client_is_named_by_the_cli_the_admin_api_and_health_until_a_run_succeeds_for_it()
    {
        var cli = new CliRunner(database, _clock);
        Assert.Equal(0, (await cli.RunAsync("clients", "add", "--id", "report_ok", "--name", "Fine", "--fee", "100", "--rate", "0.5",
            "--billing-start", "2038-01-01")).ExitCode);
        Assert.Equal(0, (await cli.RunAsync("clients", "add", "--id", "report_broken", "--name", "Broken", "--fee", "100", "--rate", "0.5",
            "--billing-start", "2038-01-01")).ExitCode);
        await SqlAsync("""UPDATE "Client" SET "paymentTermDays" = 2147483647 WHERE "clientId" = 'report_broken'""");
        Assert.Equal("up", (await HealthAsync(null)).Json.GetProperty("status").GetString());

        var run = await cli.RunAsync("cycle", "run", "--as-of", "2038-02-01T12:00:00Z");

        Assert.Equal(4, run.ExitCode);
        Assert.Contains("report_broken: due periods: ArgumentOutOfRangeException", run.Out);
        Assert.Contains("see 'billing cycle failures'", run.Out);
        Assert.DoesNotContain("could not be reached", run.Out + run.Error);
        var listed = await cli.RunAsync("cycle", "failures");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains("report_broken", listed.Out);
        Assert.DoesNotContain("report_ok", listed.Out);

        var page = await _api.GetAsync("/api/client-failures", _admin);
        Assert.Equal(200, page.Status);
        var item = Assert.Single(page.Json.GetProperty("items").EnumerateArray());
        Assert.Equal(("report_broken", "due periods", 1), (item.GetProperty("clientId").GetString(), item.GetProperty("step").GetString(),
            item.GetProperty("attempts").GetInt32()));
        Assert.Equal(403, (await _api.GetAsync("/api/client-failures", _clientKey)).Status);
        Assert.Equal(401, (await _api.GetAsync("/api/client-failures", null)).Status);
        Assert.Equal(400, (await _api.GetAsync("/api/client-failures?cursor=nonsense", _admin)).Status);
        var anonymous = await HealthAsync(null);
        Assert.Equal((200, "degraded"), (anonymous.Status, anonymous.Json.GetProperty("status").GetString()));
        Assert.Equal(["status"], anonymous.Json.EnumerateObject().Select(p => p.Name));
        var admin = await HealthAsync(_admin);
        Assert.Equal(1, admin.Json.GetProperty("clientFailures").GetProperty("open").GetInt32());

        await SqlAsync("""UPDATE "Client" SET "paymentTermDays" = 15 WHERE "clientId" = 'report_broken'""");
        var rerun = await cli.RunAsync("cycle", "run", "--as-of", "2038-02-01T13:00:00Z");

        Assert.Equal(0, rerun.ExitCode);
        Assert.Empty((await _api.GetAsync("/api/client-failures", _admin)).Json.GetProperty("items").EnumerateArray());
        var resolved = Assert.Single((await _api.GetAsync("/api/client-failures?all=true&clientId=report_broken", _admin)).Json
            .GetProperty("items").EnumerateArray());
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, resolved.GetProperty("resolvedAt").ValueKind);
        Assert.Equal("up", (await HealthAsync(null)).Json.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_cli_refuses_a_time_zone_postgresql_does_not_know_and_an_overlong_payment_term_naming_the_field()
    {
        var cli = new CliRunner(database, _clock);

        var windowsZone = await cli.RunAsync("clients", "add", "--id", "cli_gtb", "--name", "Windows zone", "--fee", "1", "--rate", "1",
            "--time-zone", "GTB Standard Time");
        Assert.Equal(0, (await cli.RunAsync("clients", "add", "--id", "cli_term", "--name", "Term", "--fee", "1", "--rate", "1")).ExitCode);
        var term = await cli.RunAsync("clients", "set", "cli_term", "--payment-term-days", "366");

        Assert.Equal(2, windowsZone.ExitCode);
        Assert.Contains("timeZone", windowsZone.Error);
        Assert.Contains("pg_timezone_names", windowsZone.Error);
        Assert.Equal(2, term.ExitCode);
        Assert.Contains("paymentTermDays", term.Error);
        await using var scope = _services.CreateAsyncScope();
        Assert.Null(await scope.ServiceProvider.GetRequiredService<ClientService>().FindAsync("cli_gtb", default));
    }
}
