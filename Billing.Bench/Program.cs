using System.Diagnostics;
using Billing.Bench;

// The benchmark suite: `scripts/bench [--quick] [suite...]` (README). Each suite measures the app's own path beside
// its floor (what PostgreSQL or the runtime does alone with the same work) in the same run; every run writes
// bench-results/latest.md and latest.json (--quick: bench-results/quick/), a full run also each suite's write-up.
// The exit code is 1 when a figure is worse than its target by more than Target.GuardFactor. Register new suites here.
if (args.Contains(StartupSuite.ProbeArgument))
{
    return await StartupSuite.ProbeAsync();
}
if (args.Contains(StartupSuite.FloorArgument))
{
    Console.WriteLine("handled 200");
    return 0;
}

IBenchSuite[] suites =
[
    new IngestionSuite(),
    new CycleSuite(),
    new ReportsSuite(),
    new StartupSuite(),
    new ParsingSuite(),
];

var names = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
var selected = names.Count == 0 || names.Contains("all") ? suites : suites.Where(s => names.Contains(s.Name)).ToArray();
var unknown = names.Where(n => n != "all" && suites.All(s => s.Name != n)).ToList();
if (selected.Length == 0 || unknown.Count > 0)
{
    Console.Error.WriteLine("usage: scripts/bench [--quick] [suite...]\nsuites:");
    foreach (var suite in suites)
    {
        Console.Error.WriteLine($"  {suite.Name,-12} {suite.Description}");
    }
    return 2;
}

var repository = FindRepository();
var server = Environment.GetEnvironmentVariable("BILLING_BENCH_SERVER") is { Length: > 0 } configured ? configured : await BenchClusterAsync(repository);
var quick = args.Contains("--quick");
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancellation.Cancel(); };

var results = await ResultsFile.StartAsync(repository, server, quick, args, cancellation.Token);
var recorded = quick ? ResultsFile.RecordedRun(repository) : new Dictionary<string, ResultsFile.Recorded>();
foreach (var suite in selected)
{
    var scenarios = await RunSuiteAsync(suite);
    // Noise on shared cores can push one measurement past the guard; a regression stays there when measured again.
    if (quick && scenarios.Any(s => !s.WithinGuard))
    {
        Console.WriteLine($"{suite.Name}: outside the guard ({string.Join("; ", scenarios.Where(s => !s.WithinGuard).Select(s => s.Name))}); measuring again");
        var again = await RunSuiteAsync(suite);
        scenarios = [.. again.Select(s => s with { Remeasured = true })];
    }
    results.Add(scenarios);
    await results.WriteAsync(cancellation.Token);
}
var outside = results.Scenarios.Where(s => !s.WithinGuard).ToList();
Console.WriteLine();
Console.WriteLine($"{results.Scenarios.Count} scenarios: {results.Scenarios.Count(s => s.Pass == true)} meet their target, " +
                  $"{results.Scenarios.Count(s => s.Pass == false)} miss it, {outside.Count} outside the guard (worse than {Target.GuardFactor}x the target). " +
                  $"Results: {results.MarkdownPath}");
foreach (var scenario in outside)
{
    Console.WriteLine($"  GUARD FAILED: {scenario.Suite} / {scenario.Name}: {scenario.Figure:0.###} {scenario.Unit}, floor {scenario.Floor:0.###}, target {scenario.Target.Text}");
}
return outside.Count == 0 ? 0 : 1;

async Task<List<Scenario>> RunSuiteAsync(IBenchSuite suite)
{
    Console.WriteLine($"== {suite.Name}: {suite.Description}");
    var context = new BenchContext(suite.Name, server, repository, args);
    var clock = Stopwatch.StartNew();
    await context.CreateDatabaseAsync(cancellation.Token);
    await suite.RunAsync(context, cancellation.Token);
    Console.WriteLine($"== {suite.Name}: {clock.Elapsed.TotalSeconds:0} s");
    foreach (var (scenario, i) in context.Scenarios.Select((s, i) => (s, i)).ToList())
    {
        if (recorded.TryGetValue(scenario.Suite + "/" + scenario.Name, out var baseline))
        {
            context.Scenarios[i] = scenario with { BaselineScore = baseline.MissScore, BaselineFloor = baseline.Floor };
        }
    }
    if (!quick)
    {
        await ResultsFile.WriteSuiteAsync(context, cancellation.Token);
    }
    return context.Scenarios;
}

// scripts/bench starts the cluster and passes it; `dotnet run --project Billing.Bench` starts the same one.
static async Task<string> BenchClusterAsync(string repository)
{
    var info = new ProcessStartInfo("bash", [Path.Combine(repository, "scripts", "local-postgres.sh")]) { RedirectStandardOutput = true };
    info.Environment["BILLING_PG_CLUSTER"] = "bench";
    using var process = Process.Start(info)!;
    var output = await process.StandardOutput.ReadToEndAsync();
    await process.WaitForExitAsync();
    return process.ExitCode == 0 ? output.Trim() : throw new InvalidOperationException("scripts/local-postgres.sh failed");
}

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
