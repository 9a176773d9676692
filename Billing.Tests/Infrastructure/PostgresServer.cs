using System.Diagnostics;
using Billing.Domain.Data;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

[assembly: AssemblyFixture(typeof(PostgresServer))]

namespace Billing.Tests.Infrastructure;

/// <summary>
/// The real PostgreSQL server of a test run: the project's local cluster (started by scripts/local-postgres.sh),
/// or the server named by <c>BILLING_TEST_SERVER</c>. Once per run it migrates a template database, which every
/// test class clones (<see cref="TestDatabase"/>); so every run also tests the migrations.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private static readonly string RunId = $"{DateTime.UtcNow:yyyyMMddHHmmss}_{Environment.ProcessId}";

    public string AdminConnectionString { get; private set; } = "";
    public string TemplateName { get; } = $"billing_tpl_{RunId}";

    public async ValueTask InitializeAsync()
    {
        var server = Environment.GetEnvironmentVariable("BILLING_TEST_SERVER") ?? await StartLocalClusterAsync();
        AdminConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString;

        try
        {
            await DropLeftoversAsync();
        }
        catch (PostgresException)
        {
            // Cleaning up is a courtesy (it needs superuser rights); the run does not depend on it.
        }
        await ExecuteAsync($"CREATE DATABASE \"{TemplateName}\"");
        var options = new DbContextOptionsBuilder<BillingDbContext>()
            .UseNpgsql(ConnectionStringFor(TemplateName)).Options;
        await using (var db = new BillingDbContext(options))
        {
            await db.Database.MigrateAsync();
        }
        NpgsqlConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync($"DROP DATABASE IF EXISTS \"{TemplateName}\" WITH (FORCE)");
    }

    public string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true }.ConnectionString;

    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Databases left by a run that was killed; those still in use by another run are kept.</summary>
    private async Task DropLeftoversAsync()
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        var stale = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT datname FROM pg_database d WHERE (datname LIKE 'billing\\_tpl\\_%' OR datname LIKE 'billing\\_test\\_%') " +
            "AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname) " +
            "AND (pg_stat_file('base/' || d.oid || '/PG_VERSION')).modification < now() - interval '2 hours'", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stale.Add(reader.GetString(0));
            }
        }
        foreach (var name in stale)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\"", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<string> StartLocalClusterAsync()
    {
        var script = RepositoryRoot.Combine("scripts", "local-postgres.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("Could not start " + script);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {await stderr}");
        }
        return (await stdout).Trim();
    }
}
