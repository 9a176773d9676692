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
/// test class clones (<see cref="TestDatabase"/>); so every run also tests the migrations. A subclass names another
/// cluster of the same script (<see cref="Cluster"/>: <c>BILLING_PG_CLUSTER</c>), for tests that restart or exhaust it.
/// </summary>
public class PostgresServer : IAsyncLifetime
{
    private static readonly string RunId = $"{DateTime.UtcNow:yyyyMMddHHmmss}_{Environment.ProcessId}";

    public string AdminConnectionString { get; private set; } = "";
    public string TemplateName { get; } = $"billing_tpl_{RunId}";

    /// <summary>The script's cluster name, or null for the shared one (which BILLING_TEST_SERVER may replace).</summary>
    public virtual string? Cluster => null;

    public async ValueTask InitializeAsync()
    {
        var server = Cluster is null
            ? Environment.GetEnvironmentVariable("BILLING_TEST_SERVER") ?? await LocalClusterAsync(null)
            : await LocalClusterAsync(Cluster);
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

    public virtual async ValueTask DisposeAsync()
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

    /// <summary>Runs scripts/local-postgres.sh (start, or another of its commands) for a cluster; returns what it printed.</summary>
    public static async Task<string> LocalClusterAsync(string? cluster, params string[] arguments)
    {
        var script = RepositoryRoot.Combine("scripts", "local-postgres.sh");
        var start = new ProcessStartInfo("bash", [script, .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (cluster is not null)
        {
            start.Environment["BILLING_PG_CLUSTER"] = cluster;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start " + script);
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
