using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.Reliability;

/// <summary>
/// Resource faults on the reliability cluster: the server switched read-only (<c>ALTER SYSTEM SET
/// default_transaction_read_only</c> and a reload, as a failover's standby or a full disk leaves it), and an
/// uncommitted hand-made invoice holding call recording past <c>lock_timeout</c>. The webhook answers 503 with
/// Retry-After and stores nothing; once the fault is gone, the redelivery stores one row.
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait("Category", "Reliability")]
public sealed class ResourceFaultTests(ReliabilityDatabase fixture) : IClassFixture<ReliabilityDatabase>, IAsyncLifetime
{
    private readonly TestDatabase _database = fixture.Database;
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync() => _services = await fixture.WebhookServicesAsync();

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_database.Server.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<int> StoredAsync(string callId)
    {
        await using var db = _database.CreateContext();
        return await db.UsageLogs.CountAsync(u => u.CallId == callId);
    }

    private static void Count(string fault, HttpTesting.Response refused, HttpTesting.Response redelivered, int stored)
    {
        ReliabilityReport.Add($"faults injected: {fault}", 1);
        ReliabilityReport.Add("resource faults: deliveries refused with 503 + Retry-After",
            refused.Status == 503 && refused.Headers.RetryAfter.Count > 0 ? 1 : 0);
        ReliabilityReport.Add("unexpected 5xx (target 0)", (refused.Status >= 500 && refused.Status != 503 ? 1 : 0) + (redelivered.Status >= 500 ? 1 : 0));
        ReliabilityReport.Add("resource faults: duplicates (target 0)", Math.Max(0, stored - 1));
    }

    [Fact]
    public async Task A_server_switched_read_only_answers_503_and_the_redelivery_after_it_stores_one_row()
    {
        const string callId = "0000a0a0-0000-4000-8000-000000000001";
        var body = Webhook.Report(callId);
        HttpTesting.Response refused;
        try
        {
            await AdminAsync("ALTER SYSTEM SET default_transaction_read_only = on");
            await PostgresServer.LocalClusterAsync(ReliabilityServer.Name, "reload");
            await Task.Delay(200); // the backends take the reload at their next command; give the signal a moment
            refused = await Webhook.PostAsync(_services, body);
        }
        finally
        {
            await AdminAsync("ALTER SYSTEM RESET default_transaction_read_only");
            await PostgresServer.LocalClusterAsync(ReliabilityServer.Name, "reload");
            await Task.Delay(200);
        }
        Assert.Equal(0, await StoredAsync(callId));

        var redelivered = await Webhook.PostAsync(_services, body);

        var stored = await StoredAsync(callId);
        Count("read-only switch (default_transaction_read_only + reload)", refused, redelivered, stored);
        Assert.Equal(503, refused.Status);
        Assert.Equal("30", refused.Headers.RetryAfter.ToString()); // a switch-over takes a while
        Assert.Equal((200, 1), (redelivered.Status, stored));
    }

    [Fact]
    public async Task A_hand_made_invoice_holding_recording_past_lock_timeout_answers_503_and_the_redelivery_after_it_stores_one_row()
    {
        const string callId = "0000a0a0-0000-4000-8000-000000000002";
        var body = Webhook.Report(callId);
        await AdminAsync($"""ALTER DATABASE "{_database.Name}" SET lock_timeout = '300ms'""");
        NpgsqlConnection.ClearPool(new NpgsqlConnection(_database.ConnectionString)); // new sessions take the setting
        HttpTesting.Response refused;
        try
        {
            await using var manual = await _database.OpenConnectionAsync();
            await using var transaction = await manual.BeginTransactionAsync();
            await using (var insert = new NpgsqlCommand("""
                INSERT INTO "Factura" ("clientId", "perioada", "minuteTotale", "totalCalls", "successfulCalls", "costMinute", "taxaFixa",
                    "totalDePlata", "dueDate", "updatedAt")
                VALUES ('dr_serban', '2025-10', 0, 0, 0, 0, 800, 800, '2025-11-15', now())
                """, manual, transaction))
            {
                await insert.ExecuteNonQueryAsync();
            }
            refused = await Webhook.PostAsync(_services, body);
            await transaction.RollbackAsync();
        }
        finally
        {
            await AdminAsync($"""ALTER DATABASE "{_database.Name}" RESET lock_timeout""");
            NpgsqlConnection.ClearPool(new NpgsqlConnection(_database.ConnectionString));
        }
        Assert.Equal(0, await StoredAsync(callId));

        var redelivered = await Webhook.PostAsync(_services, body);

        var stored = await StoredAsync(callId);
        Count("an uncommitted hand-made invoice past lock_timeout", refused, redelivered, stored);
        Assert.Equal((503, "5"), (refused.Status, refused.Headers.RetryAfter.ToString()));
        Assert.Equal((200, 1), (redelivered.Status, stored));
    }
}
