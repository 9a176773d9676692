using System.Diagnostics;
using Billing.Domain;
using Billing.Domain.Access;
using Billing.Domain.Data;
using Billing.Functions;
using Billing.Functions.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Billing.Bench;

/// <summary>
/// Worker start-up: from starting a process to its first handled request, with the app's own start-up work
/// (configuration, the registrations of Program.cs, options validated at start, hosted services started, the EF model,
/// the first pooled connection, an admin key proven) and an admin GET /api/health as the first request (its EF queries
/// read the migrations, the outbox and the e-Factura figures). Beside it, the floor: the same executable started to
/// print one line, the runtime's own process start. Alternating rounds, median of each side; each start is a new
/// process, so nothing is warm but the operating system's file cache, as on a scale-out instance.
/// </summary>
/// <remarks>
/// Not measured: the Functions host itself and its gRPC channel to the worker (Core Tools cannot run here); the probe
/// runs the worker's registrations on a generic host. scripts/bench publishes the probe ReadyToRun, as scripts/deploy
/// publishes the app, and passes it in <c>BILLING_BENCH_STARTUP_PROBE</c>; without it (dotnet run) the probe is this
/// JIT-compiled build, which starts about twice as slowly, and the report says so.
/// </remarks>
public sealed class StartupSuite : IBenchSuite
{
    public const string ProbeArgument = "--startup-probe";
    public const string FloorArgument = "--startup-floor";
    private const string KeyVariable = "BILLING_BENCH_PROBE_KEY";
    private const string ProbeVariable = "BILLING_BENCH_STARTUP_PROBE";

    /// <summary>The ReadyToRun probe scripts/bench published, or this JIT-compiled assembly.</summary>
    private static (string Assembly, string Compiled) Probe =>
        Environment.GetEnvironmentVariable(ProbeVariable) is { Length: > 0 } published && File.Exists(published)
            ? (published, "ReadyToRun, as the deployed package")
            : (typeof(StartupSuite).Assembly.Location, "JIT-compiled (no ReadyToRun probe given: the deployed package starts faster)");

    public string Name => "startup";
    public string Description => "Worker start-up: process start to the first handled request (target < 300 ms), beside a bare process start.";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var rounds = context.Quick ? 4 : 12;
        string key;
        await using (var services = context.BuildServices([]))
        await using (var scope = services.CreateAsyncScope())
        {
            key = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("bench-startup", ApiKeyScope.Admin, null, null, ct)).PlainKey;
        }

        var (probes, floors) = (new List<ProbeRun>(), new List<double>());
        await StartAsync(context, ProbeArgument, key, ct); // the file cache, as an instance that has started once
        for (var round = 0; round < rounds; round++)
        {
            floors.Add((await StartAsync(context, FloorArgument, key, ct)).TotalMs);
            probes.Add(await StartAsync(context, ProbeArgument, key, ct));
        }
        var total = Median(probes.Select(p => p.TotalMs));
        var floor = Median(floors);
        var (beforeMain, build, start) = (Median(probes.Select(p => p.BeforeMainMs)), Median(probes.Select(p => p.BuildMs)), Median(probes.Select(p => p.StartMs)));
        var (model, connection, request) = (Median(probes.Select(p => p.ModelMs)), Median(probes.Select(p => p.ConnectionMs)), Median(probes.Select(p => p.RequestMs)));

        context.Report($"{rounds} alternating rounds (bare start, worker start), medians, after one unmeasured start; the probe is {Probe.Compiled}.");
        context.Report("");
        context.Report("| phase | median ms |");
        context.Report("|---|---|");
        context.Report($"| runtime start and assembly loading, to Main | {beforeMain:0} |");
        context.Report($"| configuration and the app's registrations (host built) | {build:0} |");
        context.Report($"| host started: options validated, hosted services started | {start:0} |");
        context.Report($"| first request: the EF model built | {model:0} |");
        context.Report($"| first request: the first pooled connection opened | {connection:0} |");
        context.Report($"| first request: admin GET /api/health (key check, its EF queries compiled and run, JSON) | {request:0} |");
        context.Report($"| **process start to first handled request** | **{total:0}** |");
        context.Report($"| floor: the same executable printing one line | {floor:0} |");
        context.Report("");
        context.Report($"Target < 300 ms: **{(total < 300 ? "met" : "not met")}** ({total:0} ms).");
        context.Record(new Scenario(Name, "worker start-up to first handled request", total, "ms", "bare process start of the same executable", floor,
            new Target.Below(300, "ms", ScalesWithMachine: true),
            $"medians: to Main {beforeMain:0} ms, host built {build:0} ms, host started {start:0} ms, EF model {model:0} ms, first connection " +
            $"{connection:0} ms, the request {request:0} ms; {Probe.Compiled}"));
    }

    private sealed record ProbeRun(double TotalMs, double BuildMs, double StartMs, double ModelMs, double ConnectionMs, double RequestMs)
    {
        public double BeforeMainMs => TotalMs - BuildMs - StartMs - ModelMs - ConnectionMs - RequestMs;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Starts this executable in probe or floor mode and times it until it reports its first handled request.</summary>
    private static async Task<ProbeRun> StartAsync(BenchContext context, string mode, string key, CancellationToken ct)
    {
        var info = new ProcessStartInfo(Environment.ProcessPath!, [Probe.Assembly, mode])
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.Environment["ConnectionStrings__Billing"] = context.ConnectionString;
        info.Environment[KeyVariable] = key;
        info.Environment["Vapi__Webhook__Secrets__0"] = "bench-startup-webhook-secret-00000000000001";
        // The worker runs with the workstation GC (Billing.Functions does not ask for the server GC this suite uses).
        info.Environment["DOTNET_gcServer"] = "0";
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var stopwatch = Stopwatch.StartNew();
        using var process = Process.Start(info)!;
        string? line;
        do
        {
            line = await process.StandardOutput.ReadLineAsync(ct);
        } while (line is not null && !line.StartsWith("handled ", StringComparison.Ordinal));
        var total = stopwatch.Elapsed.TotalMilliseconds;
        var errors = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (line is null || !line.StartsWith("handled 200", StringComparison.Ordinal) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The start-up probe ({mode}) failed: {line}\n{errors}");
        }
        var phases = line.Split(' ').Skip(2).Select(p => double.Parse(p, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        return phases.Length == 5 ? new ProbeRun(total, phases[0], phases[1], phases[2], phases[3], phases[4]) : new ProbeRun(total, 0, 0, 0, 0, 0);
    }

    /// <summary>
    /// The child process: Program.cs's registrations on a generic host, started, then one admin GET /api/health through
    /// its function. Prints "handled &lt;status&gt;" and the ms of each phase (host built, host started, EF model, first
    /// connection, the request).
    /// </summary>
    public static async Task<int> ProbeAsync()
    {
        var clock = Stopwatch.StartNew();
        var builder = Host.CreateApplicationBuilder();
        // The worker's logs go to the Functions host (and telemetry), not to a console.
        builder.Logging.ClearProviders();
        builder.Services.AddBilling(builder.Configuration);
        builder.Services.AddBillingFunctions(builder.Configuration);
        builder.Services.AddBillingTelemetry(builder.Configuration);
        using var host = builder.Build();
        var built = clock.Elapsed.TotalMilliseconds;
        await host.StartAsync();
        var started = clock.Elapsed.TotalMilliseconds;

        int status;
        double model, connection;
        await using (var scope = host.Services.CreateAsyncScope())
        {
            // The first request's work, timed in parts: the EF model it builds, the first pooled connection it opens,
            // then the request itself (key check, the queries' first compilation and run, JSON).
            _ = scope.ServiceProvider.GetRequiredService<BillingDbContext>().Model;
            model = clock.Elapsed.TotalMilliseconds;
            await using (await scope.ServiceProvider.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync())
            {
            }
            connection = clock.Elapsed.TotalMilliseconds;
            var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
            http.Request.Method = "GET";
            http.Request.Path = "/api/health";
            http.Request.Headers.Authorization = "Bearer " + builder.Configuration[KeyVariable];
            http.Response.Body = new MemoryStream();
            var function = ActivatorUtilities.CreateInstance<HealthFunction>(scope.ServiceProvider);
            var result = await function.Health(http.Request, CancellationToken.None);
            await result.ExecuteAsync(http);
            status = http.Response.StatusCode;
        }
        var handled = clock.Elapsed.TotalMilliseconds;
        var c = System.Globalization.CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c,
            $"handled {status} {built:0.0} {started - built:0.0} {model - started:0.0} {connection - model:0.0} {handled - connection:0.0}"));
        await host.StopAsync();
        return status == 200 ? 0 : 1;
    }
}
