using System.Diagnostics;
using Billing.Bench;

// The benchmark suite: `dotnet run -c Release --project Billing.Bench -- <suite|all> [--quick]`.
// Each suite measures the app's own path beside the raw PostgreSQL floor in the same run and writes
// bench-results/<suite>.md. Register new suites here.
IBenchSuite[] suites =
[
    new IngestionSuite(),
    new CycleSuite(),
    new ReportsSuite(),
];

var name = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal));
var selected = name is null or "all" ? suites : suites.Where(s => s.Name == name).ToArray();
if (selected.Length == 0)
{
    Console.Error.WriteLine("usage: Billing.Bench <suite|all> [--quick]\nsuites:");
    foreach (var suite in suites)
    {
        Console.Error.WriteLine($"  {suite.Name,-12} {suite.Description}");
    }
    return 2;
}

var repository = FindRepository();
var server = await LocalServerAsync(repository);
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };
foreach (var suite in selected)
{
    var context = new BenchContext(suite.Name, server, repository, args.Where(a => a != name).ToArray());
    await context.CreateDatabaseAsync(cancellation.Token);
    await suite.RunAsync(context, cancellation.Token);
    await context.WriteResultsAsync(cancellation.Token);
}
return 0;

static string FindRepository()
{
    for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Billing.sln")))
        {
            return dir.FullName;
        }
    }
    throw new InvalidOperationException("Run the benchmarks from inside the repository.");
}

static async Task<string> LocalServerAsync(string repository)
{
    var configured = Environment.GetEnvironmentVariable("BILLING_BENCH_SERVER");
    if (!string.IsNullOrEmpty(configured))
    {
        return configured;
    }
    using var process = Process.Start(new ProcessStartInfo("bash", [Path.Combine(repository, "scripts", "local-postgres.sh")])
    { RedirectStandardOutput = true })!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    return process.ExitCode == 0 ? output.Trim() : throw new InvalidOperationException("scripts/local-postgres.sh failed");
}
