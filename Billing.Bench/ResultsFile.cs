using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace Billing.Bench;

/// <summary>
/// bench-results/latest.md and latest.json (--quick: bench-results/quick/, not committed): the machine, the commit, the
/// load average before and after, and per scenario its figure, floor, ratio, target and pass, with what limits it.
/// Written after every suite, so an interrupted run keeps what it measured. A full run also rewrites each suite's
/// measured part in bench-results/&lt;suite&gt;.md and keeps its hand-written notes below <see cref="NotesMarker"/>,
/// which latest.md repeats under the suite.
/// </summary>
public sealed class ResultsFile
{
    public const string NotesMarker = "<!-- Notes below are kept by full runs: what limits each figure and what was tried. -->";

    private readonly string _directory;
    private readonly string _repository;
    private readonly Dictionary<string, object?> _run;
    private readonly List<Scenario> _scenarios = [];

    private ResultsFile(string repository, bool quick, Dictionary<string, object?> run)
    {
        _repository = repository;
        _directory = quick ? Path.Combine(repository, "bench-results", "quick") : Path.Combine(repository, "bench-results");
        _run = run;
    }

    public IReadOnlyList<Scenario> Scenarios => _scenarios;
    public string MarkdownPath => Path.Combine(_directory, "latest.md");

    public static async Task<ResultsFile> StartAsync(string repository, string server, bool quick, string[] arguments, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync(ct);
        await using var version = new NpgsqlCommand("SHOW server_version", connection);
        var postgres = (string)(await version.ExecuteScalarAsync(ct))!;
        var commit = Git(repository, "rev-parse", "HEAD");
        return new ResultsFile(repository, quick, new()
        {
            ["command"] = "scripts/bench " + string.Join(' ', arguments),
            ["quick"] = quick,
            ["startedAt"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["commit"] = commit,
            ["uncommittedChanges"] = Git(repository, "status", "--porcelain", "--untracked-files=no").Length > 0,
            ["machine"] = new Dictionary<string, object?>
            {
                ["cores"] = Environment.ProcessorCount,
                ["os"] = RuntimeInformation.OSDescription,
                ["cpu"] = CpuModel(),
                ["dotnet"] = RuntimeInformation.FrameworkDescription,
                ["postgres"] = postgres,
                ["loadAverageBefore"] = LoadAverage(),
            },
        });
    }

    public void Add(IEnumerable<Scenario> scenarios) => _scenarios.AddRange(scenarios);

    /// <summary>What the committed full run recorded of a scenario: its score when it missed its target, and its floor.</summary>
    public sealed record Recorded(double? MissScore, double? Floor);

    /// <summary>The committed full run (bench-results/latest.json) per scenario name (see <see cref="Scenario.BaselineScore"/>).</summary>
    public static IReadOnlyDictionary<string, Recorded> RecordedRun(string repository)
    {
        var path = Path.Combine(repository, "bench-results", "latest.json");
        if (!File.Exists(path))
        {
            return new Dictionary<string, Recorded>();
        }
        using var json = JsonDocument.Parse(File.ReadAllBytes(path));
        static double? Number(JsonElement s, string name) =>
            s.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
        return json.RootElement.GetProperty("scenarios").EnumerateArray().ToDictionary(
            s => s.GetProperty("suite").GetString() + "/" + s.GetProperty("name").GetString(),
            s => new Recorded(Number(s, "score") is > 1 and var miss ? miss : null, Number(s, "floor")));
    }

    public async Task WriteAsync(CancellationToken ct)
    {
        Directory.CreateDirectory(_directory);
        ((Dictionary<string, object?>)_run["machine"]!)["loadAverageAfter"] = LoadAverage();
        _run["finishedAt"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var json = new Dictionary<string, object?>(_run)
        {
            ["guardFactor"] = Target.GuardFactor,
            ["allTargetsMet"] = _scenarios.All(s => s.Pass != false),
            ["withinGuard"] = _scenarios.All(s => s.WithinGuard),
            ["scenarios"] = _scenarios.Select(s => new Dictionary<string, object?>
            {
                ["suite"] = s.Suite,
                ["name"] = s.Name,
                ["figure"] = Round(s.Figure),
                ["unit"] = s.Unit,
                ["floorName"] = s.FloorName,
                ["floor"] = s.Floor is { } f ? Round(f) : null,
                ["ratio"] = s.Ratio is { } r ? Math.Round(r, 3) : null,
                ["target"] = s.Target.Text,
                ["score"] = s.Score is { } score ? Math.Round(score, 3) : null,
                ["pass"] = s.Pass,
                ["withinGuard"] = s.WithinGuard,
                ["remeasured"] = s.Remeasured,
                ["baselineScore"] = s.BaselineScore,
                ["guardScore"] = s.GuardScore is { } guard ? Math.Round(guard, 3) : null,
                ["limits"] = s.Limits,
            }).ToList(),
        };
        await File.WriteAllTextAsync(Path.Combine(_directory, "latest.json"),
            JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }) + "\n", ct);
        await File.WriteAllTextAsync(MarkdownPath, Markdown(), ct);
    }

    private string Markdown()
    {
        var machine = (Dictionary<string, object?>)_run["machine"]!;
        var md = new StringBuilder();
        md.AppendLine((bool)_run["quick"]! ? "# Benchmarks: quick run (the CI guard)" : "# Benchmarks: latest full run");
        md.AppendLine();
        md.AppendLine($"- Command: `{_run["command"]}`, {_run["startedAt"]} to {_run["finishedAt"]}");
        md.AppendLine($"- Commit: `{_run["commit"]}`{((bool)_run["uncommittedChanges"]! ? " with uncommitted changes" : "")}");
        md.AppendLine($"- Machine: {machine["cores"]} cores ({machine["cpu"]}), {machine["os"]}, {machine["dotnet"]}, PostgreSQL {machine["postgres"]} " +
                      "(scripts/bench's own cluster)");
        md.AppendLine($"- Load average (1, 5, 15 min) before: {machine["loadAverageBefore"]}; after: {machine["loadAverageAfter"]}. The machine is shared: " +
                      "other processes ran during the run.");
        md.AppendLine($"- Pass = the target is met. Guard = within {Target.GuardFactor}x of the target (or of the committed full run's figure " +
                      "where that missed the target); `scripts/bench --quick` (CI) fails only outside it. Start-up is guarded as it would be on " +
                      "the committed full run's machine: its figure scaled by that run's bare-start floor over this run's.");
        md.AppendLine();
        md.AppendLine("| suite | scenario | figure | floor | ratio | target | pass | guard |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var s in _scenarios)
        {
            md.AppendLine($"| {s.Suite} | {s.Name} | {Show(s.Figure)} {s.Unit} | {(s.Floor is { } f ? $"{Show(f)} ({s.FloorName})" : "-")} | " +
                          $"{(s.Ratio is { } r ? $"{r:0.00}x" : "-")} | {s.Target.Text} | " +
                          $"{s.Pass switch { true => "yes", false => "**no**", null => "-" }} | {(s.WithinGuard ? "ok" : "**FAILED**")}" +
                          $"{(s.Remeasured ? " (remeasured)" : "")} |");
        }
        md.AppendLine();
        md.AppendLine("## What limits each figure");
        md.AppendLine();
        foreach (var s in _scenarios.Where(s => s.Limits is not null))
        {
            md.AppendLine($"- {s.Suite} / {s.Name}: {s.Limits}.");
        }
        foreach (var suite in _scenarios.Select(s => s.Suite).Distinct())
        {
            var notes = SuiteNotes(Path.Combine(_repository, "bench-results", suite + ".md"));
            if (notes.Length > 0)
            {
                md.AppendLine();
                md.AppendLine($"## {suite}: what limits it and what was tried (from bench-results/{suite}.md)");
                md.AppendLine();
                md.AppendLine(notes);
            }
        }
        return md.ToString();
    }

    /// <summary>A full run's write-up of one suite: its measured part, then the notes kept from the file it replaces.</summary>
    public static async Task WriteSuiteAsync(BenchContext context, CancellationToken ct)
    {
        var path = Path.Combine(context.Repository, "bench-results", context.Suite + ".md");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var notes = SuiteNotes(path);
        var header = $"# Benchmark: {context.Suite}\n\nRun {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, " +
                     $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, load average {LoadAverage()}; " +
                     $"PostgreSQL from scripts/bench.\nCommand: `scripts/bench {context.Suite}`. All suites: bench-results/latest.md.\n\n";
        await File.WriteAllTextAsync(path, header + context.MeasuredMarkdown + "\n" + NotesMarker + "\n\n" + notes + "\n", ct);
    }

    private static string SuiteNotes(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }
        var text = File.ReadAllText(path);
        var at = text.IndexOf(NotesMarker, StringComparison.Ordinal);
        return at < 0 ? "" : text[(at + NotesMarker.Length)..].Trim();
    }

    private static double Round(double value) => Math.Round(value, value >= 100 ? 1 : 3);

    private static string Show(double value) => value.ToString(value >= 100 ? "N0" : "0.00", CultureInfo.InvariantCulture);

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string CpuModel() =>
        File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown"
            : "unknown";

    private static string Git(string repository, params string[] arguments)
    {
        try
        {
            var info = new ProcessStartInfo("git", ["-C", repository, .. arguments]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}
