using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Billing.Domain.Usage;

namespace Billing.Bench;

/// <summary>
/// Parse + map of one 40 KB end-of-call report (the recorded success fixture, its conversation repeated to 40 KB of
/// transcript and messages), as the webhook does before it writes: <c>JsonDocument.Parse</c> then
/// <see cref="VapiCallParser.FromEndOfCallReport"/>. BenchmarkDotNet, in process: time and allocations per report,
/// beside the floor of reading the same bytes once with <see cref="Utf8JsonReader"/> (every token, nothing kept).
/// </summary>
public sealed class ParsingSuite : IBenchSuite
{
    public const int ReportBytes = 40 * 1024;

    public string Name => "parsing";
    public string Description => "Parse + map of a 40 KB end-of-call report, time and allocations (BenchmarkDotNet), beside a Utf8JsonReader pass.";

    public Task RunAsync(BenchContext context, CancellationToken ct)
    {
        ReportParsing.Report = LargeReport(File.ReadAllBytes(Path.Combine(context.Repository, "Billing.Tests", "Fixtures", "vapi", "end-of-call-report-success.json")));
        // --quick: one warm-up and five 100 ms iterations per benchmark (seconds, not a minute); a full run: BenchmarkDotNet's defaults.
        var job = (context.Quick
                ? Job.Default.WithWarmupCount(1).WithIterationCount(5).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(100)).WithId("quick")
                : Job.Default.WithId("full"))
            .WithToolchain(InProcessEmitToolchain.Instance);
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .WithArtifactsPath(Path.Combine(context.Repository, "BenchmarkDotNet.Artifacts"))
            .WithOptions(ConfigOptions.DisableLogFile);
        var summary = BenchmarkRunner.Run<ReportParsing>(config);
        if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => !r.Success))
        {
            throw new InvalidOperationException("BenchmarkDotNet could not run the parsing benchmarks.");
        }
        Measured Of(string method)
        {
            var report = summary.Reports.Single(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method);
            return new(report.ResultStatistics!.Median / 1000, report.ResultStatistics.StandardError / 1000,
                report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? 0);
        }
        var (floor, document, parseAndMap) = (Of(nameof(ReportParsing.ReadEveryToken)), Of(nameof(ReportParsing.ParseDocument)),
            Of(nameof(ReportParsing.ParseAndMap)));

        context.Report($"One {ReportParsing.Report.Length / 1024.0:0.0} KB end-of-call report, BenchmarkDotNet {job.Id} job in process (median, standard error, allocated per report).");
        context.Report("");
        context.Report("| method | median us | standard error us | allocated B |");
        context.Report("|---|---|---|---|");
        context.Report($"| floor: Utf8JsonReader over every token | {floor.Microseconds:0.0} | {floor.Error:0.00} | {floor.Allocated:N0} |");
        context.Report($"| JsonDocument.Parse alone | {document.Microseconds:0.0} | {document.Error:0.00} | {document.Allocated:N0} |");
        context.Report($"| parse + map (JsonDocument.Parse, VapiCallParser.FromEndOfCallReport) | {parseAndMap.Microseconds:0.0} | {parseAndMap.Error:0.00} | {parseAndMap.Allocated:N0} |");
        const string limits = "JsonDocument.Parse builds its index of the whole report (the transcript and messages the mapping never reads); the mapping reads about 30 fields";
        context.Record(new Scenario(Name, "parse + map of a 40 KB end-of-call report, time", parseAndMap.Microseconds, "us",
            "Utf8JsonReader over every token", floor.Microseconds, new Target.RatioAtMost(4),
            $"{limits}; JsonDocument.Parse alone {document.Microseconds:0.0} us"));
        context.Record(new Scenario(Name, "parse + map of a 40 KB end-of-call report, allocated", parseAndMap.Allocated, "B",
            "JsonDocument.Parse alone", document.Allocated, new Target.Below(16 * 1024, "B"),
            "the mapped call's strings and lists; the document's own buffers are pooled"));
        return Task.CompletedTask;
    }

    private sealed record Measured(double Microseconds, double Error, long Allocated);

    /// <summary>The fixture with its conversation (messages and transcript lines) repeated, later in the call, until it is 40 KB.</summary>
    public static byte[] LargeReport(byte[] fixture)
    {
        var root = JsonNode.Parse(fixture)!;
        var artifact = root["message"]!["artifact"]!;
        var messages = artifact["messages"]!.AsArray();
        var turns = messages.Where(m => (string?)m!["role"] != "system").Select(m => m!.DeepClone()).ToList();
        var transcript = (string)artifact["transcript"]!;
        for (var repeat = 1; JsonSerializer.SerializeToUtf8Bytes(root).Length < ReportBytes; repeat++)
        {
            foreach (var turn in turns)
            {
                var copy = turn.DeepClone();
                copy["secondsFromStart"] = (double)copy["secondsFromStart"]! + repeat * 60;
                messages.Add(copy);
            }
            transcript += "\n" + string.Join("\n", transcript.Split('\n').Take(4));
            artifact["transcript"] = transcript;
        }
        return JsonSerializer.SerializeToUtf8Bytes(root);
    }
}

/// <summary>The benchmarks BenchmarkDotNet runs for <see cref="ParsingSuite"/>.</summary>
[MemoryDiagnoser]
public class ReportParsing
{
    /// <summary>Set before the run (in process, so the benchmarks see it).</summary>
    public static byte[] Report { get; set; } = [];

    [Benchmark(Baseline = true)]
    public int ReadEveryToken()
    {
        var reader = new Utf8JsonReader(Report);
        var tokens = 0;
        while (reader.Read())
        {
            tokens++;
        }
        return tokens;
    }

    [Benchmark]
    public int ParseDocument()
    {
        using var document = JsonDocument.Parse(Report);
        return document.RootElement.ValueKind == JsonValueKind.Object ? 1 : 0;
    }

    [Benchmark]
    public VapiCall? ParseAndMap()
    {
        using var document = JsonDocument.Parse(Report);
        return VapiCallParser.FromEndOfCallReport(document.RootElement.GetProperty("message")).Call;
    }
}
