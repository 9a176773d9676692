using System.Diagnostics;
using System.Text;
using Billing.Domain;
using Billing.Domain.Data;
using Billing.Functions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Bench;

/// <summary>One benchmark suite: measures the app's path and the raw PostgreSQL floor in the same run.</summary>
public interface IBenchSuite
{
    string Name { get; }
    string Description { get; }
    Task RunAsync(BenchContext context, CancellationToken cancellationToken);
}

/// <summary>
/// What a suite gets: a fresh, migrated database of its own on the local cluster, the tools to measure the floor
/// (pgbench), and a results file (bench-results/&lt;suite&gt;.md) that is committed with the code it measured.
/// </summary>
public sealed class BenchContext(string suite, string serverConnectionString, string repository, string[] arguments)
{
    /// <summary>The seed of every generated data set (<see cref="BenchData"/>): the same rows on every run.</summary>
    public const int Seed = 24;

    private readonly StringBuilder _report = new();

    public string Suite => suite;
    public string[] Arguments => arguments;
    public string Repository => repository;
    public string DatabaseName { get; } = $"bench_{suite.Replace('-', '_')}";
    public string ConnectionString => new NpgsqlConnectionStringBuilder(serverConnectionString)
    { Database = DatabaseName, MaxPoolSize = 64, Timeout = 30, CommandTimeout = 0 }.ConnectionString;

    public bool Quick => arguments.Contains("--quick");

    public async Task CreateDatabaseAsync(CancellationToken ct)
    {
        var admin = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = "postgres", Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(ct);
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync(ct);
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{DatabaseName}\"", connection);
            await create.ExecuteNonQueryAsync(ct);
        }
        // A re-measured suite recreates its database: the pool's connections to the dropped one are gone.
        NpgsqlConnection.ClearAllPools();
        await using var db = new BillingDbContext(new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql(ConnectionString).Options);
        await db.Database.MigrateAsync(ct);
    }

    /// <summary>The Functions app's own registrations on this suite's database (as the tests build them).</summary>
    public ServiceProvider BuildServices(Dictionary<string, string?> settings, TimeProvider? clock = null, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Billing"] = ConnectionString })
            .AddInMemoryCollection(settings)
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging();
        if (clock is not null)
        {
            services.AddSingleton(clock);
        }
        services.AddBilling(configuration);
        services.AddBillingFunctions(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }

    public async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Runs pgbench against this suite's database with a custom script; returns its transactions per second.</summary>
    public async Task<double> PgbenchTpsAsync(string script, int clients, int seconds, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var scriptPath = Path.Combine(Path.GetTempPath(), $"{DatabaseName}_{Guid.NewGuid():N}.sql");
        await File.WriteAllTextAsync(scriptPath, script, ct);
        try
        {
            var info = new ProcessStartInfo(FindPgbench(),
                ["-n", "-f", scriptPath, "-c", clients.ToString(), "-j", Math.Min(clients, Environment.ProcessorCount).ToString(),
                 "-T", seconds.ToString(), "-h", builder.Host!, "-p", builder.Port.ToString(), "-U", builder.Username!, builder.Database!])
            { RedirectStandardOutput = true, RedirectStandardError = true };
            info.Environment["PGPASSWORD"] = builder.Password;
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync(ct);
            var errors = await process.StandardError.ReadToEndAsync(ct);
            await process.WaitForExitAsync(ct);
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("tps = ", StringComparison.Ordinal))
                ?? throw new InvalidOperationException($"pgbench failed: {output}\n{errors}");
            return double.Parse(line["tps = ".Length..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            File.Delete(scriptPath);
        }
    }

    private static string FindPgbench() =>
        Directory.GetDirectories("/usr/lib/postgresql").OrderDescending()
            .Select(d => Path.Combine(d, "bin", "pgbench")).FirstOrDefault(File.Exists) ?? "pgbench";

    /// <summary>The scenarios this suite measured, for bench-results/latest.md and latest.json.</summary>
    public List<Scenario> Scenarios { get; } = [];

    public Scenario Record(Scenario scenario)
    {
        Scenarios.Add(scenario);
        Console.WriteLine($"  {scenario.Name}: {scenario.Figure:0.###} {scenario.Unit} beside {scenario.Floor:0.###} " +
                          $"(ratio {scenario.Ratio:0.00}, target {scenario.Target.Text}, score {scenario.Score:0.00})");
        return scenario;
    }

    /// <summary>Adds a line to the suite's write-up (bench-results/&lt;suite&gt;.md, full runs) and echoes it.</summary>
    public void Report(string markdownLine)
    {
        Console.WriteLine(markdownLine);
        _report.AppendLine(markdownLine);
    }

    /// <summary>The suite's measured part; a full run rewrites it and keeps the hand-written notes below <see cref="ResultsFile.NotesMarker"/>.</summary>
    public string MeasuredMarkdown => _report.ToString();
}

/// <summary>Latency percentiles over a set of timings.</summary>
public static class Percentiles
{
    public static double Of(IReadOnlyList<double> sortedMilliseconds, double percentile) =>
        sortedMilliseconds.Count == 0 ? double.NaN
            : sortedMilliseconds[Math.Clamp((int)Math.Ceiling(percentile / 100 * sortedMilliseconds.Count) - 1, 0, sortedMilliseconds.Count - 1)];
}
