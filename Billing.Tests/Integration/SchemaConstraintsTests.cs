using Billing.Tests.Infrastructure;
using Npgsql;

namespace Billing.Tests.Integration;

/// <summary>Bad data is refused by the database itself, whoever writes it.</summary>
public sealed class SchemaConstraintsTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private NpgsqlConnection _connection = null!;

    public async ValueTask InitializeAsync()
    {
        _connection = await database.OpenConnectionAsync();
        await ExecuteAsync("""
            INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut")
            VALUES ('shop', 'Shop', 100, 0.5) ON CONFLICT DO NOTHING
            """);
        await ExecuteAsync(Invoice("'2024-01'", "'PENDING'", "0", "800.00") + " ON CONFLICT DO NOTHING");
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();

    public static TheoryData<string, string> RefusedStatements => new()
    {
        { "negative monthly fee", """INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut") VALUES ('c1', 'C', -1, 0.5)""" },
        { "negative rate", """INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut") VALUES ('c1', 'C', 1, -0.01)""" },
        { "billingDay 0", """INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut", "billingDay") VALUES ('c1', 'C', 1, 1, 0)""" },
        { "billingDay 29", """INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut", "billingDay") VALUES ('c1', 'C', 1, 1, 29)""" },
        { "unknown time rounding", """INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut", "minuteRounding") VALUES ('c1', 'C', 1, 1, 'hourly')""" },
        { "unknown invoice status", Invoice("'2025-11'", "'DRAFT'", "67.20", "867.20") },
        { "negative invoice amount", Invoice("'2025-11'", "'PENDING'", "-67.20", "732.80") },
        { "total that is not the sum of its lines", Invoice("'2025-11'", "'PENDING'", "67.20", "900.00") },
        { "malformed period", Invoice("'2025-13'", "'PENDING'", "67.20", "867.20") },
        { "invoice of an unknown client", Invoice("'2025-11'", "'PENDING'", "67.20", "867.20").Replace("'shop'", "'nobody'") },
        { "unknown payment method", Payment("'bitcoin'", "'PENDING'", "10") },
        { "unknown payment status", Payment("'card'", "'LOST'", "10") },
        { "negative payment", Payment("'card'", "'COMPLETED'", "-10") },
        { "negative call duration", """INSERT INTO "UsageLog" ("callId", "duration", "billableSeconds", "durationMinutes", "cost", "outcome", "billable", "incomplete", "source") VALUES ('call-x', -1, 0, 0, 0, 'success', true, false, 'webhook')""" },
        { "call that ends before it starts", """INSERT INTO "UsageLog" ("callId", "startedAt", "endedAt", "duration", "billableSeconds", "durationMinutes", "cost", "outcome", "billable", "incomplete", "source") VALUES ('call-y', '2025-11-14T10:00:00Z', '2025-11-14T09:00:00Z', 0, 0, 0, 0, 'success', true, false, 'webhook')""" },
    };

    [Theory]
    [MemberData(nameof(RefusedStatements))]
    public async Task Database_refuses(string what, string sql)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(sql));
        Assert.True(error.SqlState is PostgresErrorCodes.CheckViolation or PostgresErrorCodes.ForeignKeyViolation,
            $"{what}: expected a check or foreign key violation, got {error.SqlState} {error.MessageText}");
    }

    [Fact]
    public async Task Database_refuses_a_second_invoice_for_the_same_client_and_period()
    {
        await ExecuteAsync(Invoice("'2025-10'", "'PENDING'", "67.20", "867.20"));
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(Invoice("'2025-10'", "'PAID'", "67.20", "867.20")));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
    }

    [Fact]
    public async Task Database_refuses_a_duplicate_call_id()
    {
        const string call = """INSERT INTO "UsageLog" ("callId", "duration", "billableSeconds", "durationMinutes", "cost", "outcome", "billable", "incomplete", "source") VALUES ('dup-call', 60, 60, 1, 0.5, 'success', true, false, 'webhook')""";
        await ExecuteAsync(call);
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(call));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
    }

    [Fact]
    public async Task Raw_sql_updates_keep_updatedAt_current()
    {
        await ExecuteAsync("""UPDATE "Client" SET "updatedAt" = '2000-01-01' WHERE "clientId" = 'shop'""");
        await using var command = new NpgsqlCommand("""SELECT "updatedAt" > now() - interval '1 minute' FROM "Client" WHERE "clientId" = 'shop'""", _connection);
        Assert.Equal(true, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Ids_and_timestamps_come_from_the_database()
    {
        await using var command = new NpgsqlCommand("""
            INSERT INTO "UsageLog" ("callId", "startedAt", "duration", "billableSeconds", "durationMinutes", "cost", "outcome", "billable", "incomplete", "source")
            VALUES ('call-defaults', '2025-11-14T09:12:03Z', 60, 60, 1, 0.5, 'success', true, false, 'webhook')
            RETURNING "id", "toolsUsed", "occurredAt", "createdAt"
            """, _connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.NotEqual(Guid.Empty, reader.GetGuid(0));
        Assert.Empty((string[])reader.GetValue(1));
        Assert.Equal(new DateTime(2025, 11, 14, 9, 12, 3, DateTimeKind.Utc), reader.GetDateTime(2));
    }

    private static string Invoice(string period, string status, string minutesAmount, string total) => $"""
        INSERT INTO "Factura" ("clientId", "clientName", "perioada", "minuteTotale", "totalCalls", "successfulCalls",
                               "costMinute", "taxaFixa", "totalDePlata", "status", "dueDate", "currency")
        VALUES ('shop', 'Shop', {period}, 120, 45, 42, {minutesAmount}, 800.00, {total}, {status}, '2025-12-01', 'RON')
        """;

    private static string Payment(string method, string status, string amount) => $"""
        INSERT INTO "PaymentTransaction" ("facturaId", "amount", "paymentMethod", "status")
        SELECT "id", {amount}, {method}, {status} FROM "Factura" WHERE "clientId" = 'shop' AND "perioada" = '2024-01'
        """;

    private async Task<int> ExecuteAsync(string sql)
    {
        await using var command = new NpgsqlCommand(sql, _connection);
        return await command.ExecuteNonQueryAsync();
    }
}
