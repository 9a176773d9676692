using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Npgsql;

namespace Billing.Tests.Deployment;

/// <summary>
/// infra/sql/app-role.sql, as scripts/deploy runs it after the migrations: the app's login role, not a superuser and
/// not the tables' owner, bills and records calls, creates its temporary table, and can change no schema; a table a
/// later migration adds is usable at once; the audit trail only grows.
/// </summary>
public sealed class AppDatabaseRoleTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly string _login = $"billing_app_login_{Guid.NewGuid():N}"[..40];
    private readonly string _password = Guid.NewGuid().ToString("N");

    public async ValueTask InitializeAsync()
    {
        await database.Server.ExecuteAsync(
            $"CREATE ROLE \"{_login}\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{_password}'");
        await ApplyAppRoleSqlAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearPool(new NpgsqlConnection(AppConnectionString));
        await using (var connection = await database.OpenConnectionAsync())
        {
            await ExecuteAsync(connection, $"DROP OWNED BY \"{_login}\"");
        }
        await database.Server.ExecuteAsync($"DROP ROLE IF EXISTS \"{_login}\"");
    }

    private string AppConnectionString => new NpgsqlConnectionStringBuilder(database.ConnectionString)
    {
        Username = _login,
        Password = _password,
    }.ConnectionString;

    [Fact]
    public async Task The_app_role_records_calls_and_runs_the_billing_cycle()
    {
        await using var scenario = new BillingScenario(database, new() { ["ConnectionStrings:Billing"] = AppConnectionString });
        await scenario.ClientAsync("role_client");
        await scenario.CallAsync("role_client", "2025-11-03T10:00:00Z", 600);

        await scenario.RunAsync("2025-12-01T12:00:00Z", "role_client");

        var invoice = Assert.Single(await scenario.InvoicesAsync("role_client"), i => i.Period == "2025-11");
        Assert.Equal(10m, invoice.Minutes);
    }

    [Theory]
    [InlineData("CREATE TABLE \"Intruder\" (id int)")]
    [InlineData("ALTER TABLE \"Client\" ADD COLUMN intruder int")]
    [InlineData("DROP TABLE \"UsageLog\"")]
    [InlineData("TRUNCATE \"Factura\"")]
    [InlineData("CREATE INDEX intruder ON \"Client\" (\"clientId\")")]
    [InlineData("INSERT INTO \"__EFMigrationsHistory\" VALUES ('99999999999999_Forged', '10.0.0')")]
    public async Task The_app_role_changes_no_schema_and_no_migration_history(string statement)
    {
        await using var connection = new NpgsqlConnection(AppConnectionString);
        await connection.OpenAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, statement));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
    }

    [Fact]
    public async Task The_app_role_writes_and_reads_the_audit_trail()
    {
        await using var connection = new NpgsqlConnection(AppConnectionString);
        await connection.OpenAsync();

        await ExecuteAsync(connection, """
            INSERT INTO "AuditLog" ("occurredAt", "actor", "entity", "entityId", "action", "after")
            VALUES (now(), 'system', 'invoice', 'role-test', 'status', '{"status":"OVERDUE"}')
            """);
        await using var count = new NpgsqlCommand("""SELECT count(*) FROM "AuditLog" WHERE "entityId" = 'role-test'""", connection);
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Theory]
    [InlineData("UPDATE \"AuditLog\" SET \"reason\" = 'rewritten'")]
    [InlineData("DELETE FROM \"AuditLog\"")]
    [InlineData("TRUNCATE \"AuditLog\"")]
    public async Task The_app_role_cannot_alter_or_remove_audit_rows(string statement)
    {
        await using var connection = new NpgsqlConnection(AppConnectionString);
        await connection.OpenAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, statement));

        Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Contains("AuditLog", refused.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_trigger_refuses_audit_changes_even_to_a_role_granted_them()
    {
        await using (var owner = await database.OpenConnectionAsync())
        {
            // As between a migration and the next run of the grants: the default privileges include UPDATE and DELETE.
            await ExecuteAsync(owner, """GRANT UPDATE, DELETE ON "AuditLog" TO billing_app""");
            await ExecuteAsync(owner, """
                INSERT INTO "AuditLog" ("occurredAt", "actor", "entity", "entityId", "action", "after")
                VALUES (now(), 'system', 'invoice', 'granted-test', 'status', '{}')
                """);
        }
        try
        {
            await using var connection = new NpgsqlConnection(AppConnectionString);
            await connection.OpenAsync();

            var update = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, """UPDATE "AuditLog" SET "reason" = 'x'"""));
            var delete = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(connection, """DELETE FROM "AuditLog" """));

            Assert.Contains("append-only", update.MessageText, StringComparison.Ordinal);
            Assert.Contains("append-only", delete.MessageText, StringComparison.Ordinal);
        }
        finally
        {
            await ApplyAppRoleSqlAsync();
        }
    }

    [Fact]
    public async Task The_app_role_may_create_temporary_tables()
    {
        await using var connection = new NpgsqlConnection(AppConnectionString);
        await connection.OpenAsync();

        await ExecuteAsync(connection, "CREATE TEMP TABLE cycle_scratch (id int) ON COMMIT DROP");
    }

    [Fact]
    public async Task A_table_added_by_a_later_migration_is_usable_before_the_grants_run_again()
    {
        await using (var owner = await database.OpenConnectionAsync())
        {
            await ExecuteAsync(owner, "CREATE TABLE \"LaterFeature\" (id int PRIMARY KEY)");
        }

        await using var connection = new NpgsqlConnection(AppConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "INSERT INTO \"LaterFeature\" VALUES (1); UPDATE \"LaterFeature\" SET id = 2; DELETE FROM \"LaterFeature\"");
    }

    [Fact]
    public async Task Running_the_grants_again_changes_nothing()
    {
        await ApplyAppRoleSqlAsync();
        await ApplyAppRoleSqlAsync();

        await using var connection = new NpgsqlConnection(AppConnectionString);
        await connection.OpenAsync();
        await ExecuteAsync(connection, "SELECT count(*) FROM \"Client\"");
    }

    private async Task ApplyAppRoleSqlAsync()
    {
        var sql = await File.ReadAllTextAsync(RepositoryRoot.Combine("infra", "sql", "app-role.sql"));
        await using var connection = await database.OpenConnectionAsync();
        await ExecuteAsync(connection, $"SELECT set_config('billing.app_login', '{_login}', false); {sql}");
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
