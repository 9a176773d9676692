using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Tests.Reliability;

/// <summary>
/// The reliability suite's own PostgreSQL cluster (scripts/local-postgres.sh with BILLING_PG_CLUSTER=reliability): its
/// tests terminate backends and hold locks, which the shared cluster's other test classes must never feel. Stopped
/// when the suite is done, so it holds no memory between runs.
/// </summary>
public sealed class ReliabilityServer : PostgresServer
{
    public const string Name = "reliability";

    public override string? Cluster => Name;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        ReliabilityReport.WriteIfAsked();
        await LocalClusterAsync(Name, "stop");
    }
}

/// <summary>The Reliability category: its classes run one after the other on <see cref="ReliabilityServer"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection : ICollectionFixture<ReliabilityServer>
{
    public const string Name = "Reliability";
}

/// <summary>A test class's own database on the reliability cluster (<see cref="TestDatabase"/> there).</summary>
public sealed class ReliabilityDatabase(ReliabilityServer server) : IAsyncLifetime
{
    public TestDatabase Database { get; } = new(server);

    public ValueTask InitializeAsync() => Database.InitializeAsync();

    public ValueTask DisposeAsync() => Database.DisposeAsync();

    /// <summary>dr_serban mapped to his assistant, and the app's registrations with the webhook's secret at the webhook
    /// fixtures' time: what the webhook's fault tests deliver to.</summary>
    public async Task<ServiceProvider> WebhookServicesAsync()
    {
        await using (var db = Database.CreateContext())
        {
            if (!await db.Clients.AnyAsync(c => c.ClientId == "dr_serban"))
            {
                db.Clients.Add(Fixtures.DrSerban());
                await db.SaveChangesAsync();
            }
        }
        return Database.CreateServices(new FakeTimeProvider(new DateTimeOffset(2025, 11, 14, 9, 15, 0, TimeSpan.Zero)), Webhook.Settings);
    }
}

/// <summary>
/// What the suite measured, written to <c>bench-results/reliability.md</c> by <c>scripts/reliability</c> (which sets
/// BILLING_RELIABILITY=full and BILLING_RELIABILITY_REPORT). The fast subset in every <c>dotnet test</c> records the
/// same figures and writes nothing.
/// </summary>
public static class ReliabilityReport
{
    private static readonly ConcurrentDictionary<string, long> Figures = new();
    private static readonly ConcurrentQueue<string> Notes = new();

    /// <summary>The full set (scripts/reliability): larger populations and more repetitions than the CI subset.</summary>
    public static bool Full => Environment.GetEnvironmentVariable("BILLING_RELIABILITY") == "full";

    public static void Add(string figure, long count) => Figures.AddOrUpdate(figure, count, (_, n) => n + count);

    public static void Note(string line) => Notes.Enqueue(line);

    internal static void WriteIfAsked()
    {
        if (Environment.GetEnvironmentVariable("BILLING_RELIABILITY_REPORT") is not { Length: > 0 } path)
        {
            return;
        }
        var text = new StringBuilder()
            .AppendLine("# Reliability suite")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Written by `scripts/reliability` at {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z ({(Full ? "full set" : "fast subset")}, " +
                                                        $"{Environment.ProcessorCount} cores, load average {LoadAverage()}).")
            .AppendLine()
            .AppendLine("| figure | value |")
            .AppendLine("|---|---|");
        foreach (var (figure, value) in Figures.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {figure} | {value:N0} |");
        }
        text.AppendLine()
            .AppendLine("Targets: 0 acknowledged calls lost, 0 duplicates, 0 unexpected 5xx, 0 healthy clients uninvoiced, 0 partial invoices.")
            .AppendLine()
            .AppendLine("Not in this suite yet (issue 15): the TCP fault proxy (latency, black hole, reset after COMMIT), max_connections")
            .AppendLine("exhaustion, killing the `billing cycle run` process itself (the crash between batches terminates its backend,")
            .AppendLine("which leaves the database as a killed process would), the fuzzing of the HTTP functions other than the Vapi")
            .AppendLine("webhook (WebhookFuzzTests), and quarantine replay figures (the quarantine has its own tests: RefusedReportTests).")
            .AppendLine();
        foreach (var note in Notes)
        {
            text.AppendLine("- " + note);
        }
        File.WriteAllText(Path.IsPathRooted(path) ? path : RepositoryRoot.Combine(path), text.ToString());
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
