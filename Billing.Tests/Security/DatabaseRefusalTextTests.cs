using Billing.Domain.Access;
using Billing.Domain.Clients;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Billing.Tests.Security;

/// <summary>
/// A refusal the database makes reaches the caller as our sentence (409, 422), never as PostgreSQL's text, which names
/// constraints, tables and other clients' values.
/// </summary>
public sealed class DatabaseRefusalTextTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
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
        _admin = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("refusal-admin", ApiKeyScope.Admin, null, null, default)).PlainKey;
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    /// <summary>Words of PostgreSQL's own error texts (and our table names) that must never reach a caller.</summary>
    private static readonly string[] DatabaseWords = ["duplicate key", "violates", "constraint", "\"Client\"", "UsageLog", "SQLSTATE", "23505", "Key ("];

    private static void AssertNoDatabaseText(HttpTesting.Response response)
    {
        foreach (var word in DatabaseWords)
        {
            Assert.DoesNotContain(word, response.Body, StringComparison.OrdinalIgnoreCase);
        }
    }

    private static string ClientBody(string clientId) => $$"""{"clientId":"{{clientId}}","name":"Race","monthlyFee":100,"pricePerMinute":0.5}""";

    [Fact]
    public async Task A_create_that_loses_the_race_on_the_unique_index_is_409_with_our_sentence()
    {
        // Another transaction inserts the same client and holds it uncommitted: the request's existence check does not
        // see it, its INSERT waits on the unique index, and fails with a unique violation once the other commits. That
        // is the race two simultaneous POSTs run, made deterministic.
        await using var other = database.CreateContext();
        await using var transaction = await other.Database.BeginTransactionAsync();
        other.Clients.Add(new Client { ClientId = "race_held", Name = "Held", MonthlyFee = 1, PricePerMinute = 1 });
        await other.SaveChangesAsync();

        var request = _api.SendAsync("POST", "/api/clients", _admin, ClientBody("race_held"));
        await WaitUntilAnInsertWaitsOnALockAsync();
        await transaction.CommitAsync();
        var response = await request;

        Assert.Equal(409, response.Status);
        Assert.Equal("A client 'race_held' or one of its assistants exists already.", response.Json.GetProperty("detail").GetString());
        AssertNoDatabaseText(response);
        await using var db = database.CreateContext();
        Assert.Equal("Held", (await db.Clients.SingleAsync(c => c.ClientId == "race_held")).Name);
    }

    [Fact]
    public async Task Simultaneous_creates_of_one_client_give_one_201_and_409s_never_a_500()
    {
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _api.SendAsync("POST", "/api/clients", _admin, ClientBody("race_many")))));

        Assert.Single(responses, r => r.Status == 201);
        Assert.All(responses.Where(r => r.Status != 201), r =>
        {
            Assert.Equal(409, r.Status);
            AssertNoDatabaseText(r);
        });
        await using var db = database.CreateContext();
        Assert.Equal(1, await db.Clients.CountAsync(c => c.ClientId == "race_many"));
    }

    [Fact]
    public async Task A_call_the_database_refuses_is_a_422_naming_no_constraint_and_is_kept_in_the_quarantine()
    {
        const string callId = "d4100000-0000-4000-8000-000000000001";
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            // A rule the parser does not know about, with a name that must not leak.
            await using var add = new NpgsqlCommand(
                $"""ALTER TABLE "UsageLog" ADD CONSTRAINT "UsageLog_partner_secret_check" CHECK ("callId" <> '{callId}')""", connection);
            await add.ExecuteNonQueryAsync();
        }
        try
        {
            var response = await Webhook.PostAsync(_services, Webhook.Report(callId));

            Assert.Equal(422, response.Status);
            Assert.Contains("The database refused a value of the call", response.Body);
            Assert.DoesNotContain("partner_secret", response.Body);
            AssertNoDatabaseText(response);
            await using var db = database.CreateContext();
            Assert.Equal(0, await db.UsageLogs.CountAsync(u => u.CallId == callId));
            Assert.Equal(1, await db.QuarantinedReports.CountAsync(q => q.CallId == callId));
        }
        finally
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand("""ALTER TABLE "UsageLog" DROP CONSTRAINT "UsageLog_partner_secret_check" """, connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private async Task WaitUntilAnInsertWaitsOnALockAsync()
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand(
                """SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO "Client"%'""",
                connection);
            if ((long)(await command.ExecuteScalarAsync())! > 0)
            {
                return;
            }
            await Task.Delay(20);
        }
        Assert.Fail("The create never reached the unique index.");
    }
}
