using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Billing.Functions.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Bench;

/// <summary>
/// Sustained ingestion of distinct end-of-call reports at 8 concurrent senders through the webhook function's full
/// path (body limit, authentication, parsing, pricing, the atomic insert with the gzip raw report), against
/// pgbench's single-row INSERT ... ON CONFLICT DO NOTHING into the same table at 8 clients, and the same rows 16 to a
/// transaction, in alternating rounds of the same run.
/// </summary>
public sealed class IngestionSuite : IBenchSuite
{
    private const string Secret = "bench-webhook-secret-0000000000000001";
    private const int Senders = 8;

    public string Name => "ingestion";
    public string Description => "Webhook ingestion throughput vs pgbench single-row inserts (target >= 0.5x) and 16-row batches.";

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        // Alternating rounds (pgbench, webhook, pgbench, ...): the floor moves with the disk's fsync latency from minute
        // to minute (2,650 to 5,300 tps between runs), so both sides must see the same minutes.
        var rounds = context.Quick ? 2 : 4;
        var roundFor = TimeSpan.FromSeconds(context.Quick ? 3 : 8);
        await context.ExecuteAsync("""
            INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut") VALUES ('bench_clinic', 'Bench Clinic', 800, 0.56);
            INSERT INTO "ClientAssistant" ("kind", "vapiId", "clientId") VALUES ('assistant', 'asst_clinica_serban_01', 'bench_clinic');
            """, ct);
        var template = new DistinctReports(await File.ReadAllBytesAsync(
            Path.Combine(context.Repository, "Billing.Tests", "Fixtures", "vapi", "end-of-call-report-success.json"), ct),
            "25ce11fc-739c-4655-a56d-f969b8fcced2");

        await using var services = context.BuildServices(new()
        {
            ["Vapi:Webhook:Secrets:0"] = Secret,
            ["Vapi:Webhook:CompleteFromApi"] = "false",
        });
        // Warm up the pools and the JIT before measuring: tiered compilation keeps recompiling hot methods in the
        // background for several seconds (7% of the CPU during a measurement that followed a 3 s warm-up).
        var warmUpFor = TimeSpan.FromSeconds(context.Quick ? 5 : 10);
        await SendAsync(services, template, warmUpFor, latencies: null, ct);

        context.Report("| round | floor: pgbench single-row INSERT ... ON CONFLICT DO NOTHING, rows/s | floor: the same rows 16 per transaction, rows/s | webhook function, full path, requests/s | ratio to single-row | ratio to 16-row |");
        context.Report("|---|---|---|---|---|---|");
        var latencies = new ConcurrentBag<double>();
        var (floorTotal, batchTotal, appTotal, failures, appSeconds) = (0.0, 0.0, 0, 0, 0.0);
        for (var round = 1; round <= rounds; round++)
        {
            // The floors: what PostgreSQL itself does with one-row inserts into the same table and its indexes, and with
            // the same rows 16 to a transaction (one multi-row INSERT, one commit), the floor a batching design would
            // be judged against.
            var floorTps = await context.PgbenchTpsAsync(FloorScript(1), Senders, (int)roundFor.TotalSeconds, ct);
            var batchRows = BatchRows * await context.PgbenchTpsAsync(FloorScript(BatchRows), Senders, (int)roundFor.TotalSeconds, ct);
            var sent = await SendAsync(services, template, roundFor, latencies, ct);
            floorTotal += floorTps * roundFor.TotalSeconds;
            batchTotal += batchRows * roundFor.TotalSeconds;
            appTotal += sent.Requests;
            appSeconds += sent.Seconds;
            failures += sent.Failures;
            var appTps = sent.Requests / sent.Seconds;
            context.Report($"| {round} | {floorTps:0} | {batchRows:0} | {appTps:0} | {appTps / floorTps:0.00}x | {appTps / batchRows:0.00}x |");
        }
        var floor = floorTotal / (rounds * roundFor.TotalSeconds);
        var batchFloor = batchTotal / (rounds * roundFor.TotalSeconds);
        var app = appTotal / appSeconds;
        var sorted = latencies.Order().ToList();
        context.Report($"| all | {floor:0} | {batchFloor:0} | {app:0} | **{app / floor:0.00}x** | {app / batchFloor:0.00}x |");
        context.Report("");
        var method = $"{Senders} senders on each side, {rounds} alternating rounds of {roundFor.TotalSeconds:0} s per side after a {warmUpFor.TotalSeconds:0} s warm-up; " +
                     $"{template.Length / 1024.0:0.0} KB reports. Webhook latency p50 {Percentiles.Of(sorted, 50):0.00} ms, " +
                     $"p95 {Percentiles.Of(sorted, 95):0.00} ms. Non-200 responses: {failures}.";
        context.Report(method);
        context.Report("");
        context.Report($"Ratio: **{app / floor:0.00}x** the single-row floor (target >= 0.5x), {app / batchFloor:0.00}x the 16-row floor.");
        if (failures > 0)
        {
            throw new InvalidOperationException($"{failures} webhook requests were not answered 200.");
        }
        const string limits = "2 cores shared by PostgreSQL and the function: JSON parsing and gzip of each report, Npgsql; " +
                              "PostgreSQL also writes the raw report row the floor does not";
        context.Record(new Scenario(Name, "webhook ingestion vs single-row inserts", app, "requests/s",
            "pgbench single-row INSERT ... ON CONFLICT DO NOTHING, rows/s", floor, new Target.RatioAtLeast(0.5), limits + "; " + method));
        context.Record(new Scenario(Name, "webhook ingestion vs 16-row batches", app, "requests/s",
            "pgbench, the same rows 16 per transaction, rows/s", batchFloor, new Target.None("the floor a batching design is judged against"), limits));
    }

    private const int BatchRows = 16;

    /// <summary>pgbench's script: <paramref name="rows"/> distinct usage rows in one INSERT ... ON CONFLICT DO NOTHING, one transaction.</summary>
    private static string FloorScript(int rows) =>
        "\\set n random(1, 2000000000)\n" +
        """
        INSERT INTO "UsageLog" ("callId", "clientId", "startedAt", "endedAt", "duration", "billableSeconds", "durationMinutes", "toolsUsed", "cost", "vapiCost", "endedReason", "outcome", "billable", "incomplete", "source")
        VALUES
        """ + "\n" +
        string.Join(",\n", Enumerable.Range(1, rows).Select(row =>
            $"('pgbench-' || :client_id || '-' || :n || '-{row}', 'bench_clinic', now(), now(), 127.4, 180, 3, '{{checkAvailability,bookAppointment}}', 1.68, 0.240676, 'customer-ended-call', 'success', true, false, 'webhook')")) +
        "\nON CONFLICT (\"callId\") DO NOTHING;\n";

    /// <summary>Posts distinct reports from <see cref="Senders"/> concurrent senders for the given time.</summary>
    private static async Task<(int Requests, double Seconds, int Failures)> SendAsync(IServiceProvider services, DistinctReports reports,
        TimeSpan duration, ConcurrentBag<double>? latencies, CancellationToken ct)
    {
        var (requests, failures) = (0, 0);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            while (clock.Elapsed < duration)
            {
                var body = reports.Next();
                var started = Stopwatch.GetTimestamp();
                var status = await PostAsync(services, body);
                latencies?.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                Interlocked.Increment(ref requests);
                if (status != 200)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, ct)));
        return (requests, clock.Elapsed.TotalSeconds, failures);
    }

    private static async Task<int> PostAsync(IServiceProvider services, byte[] bytes)
    {
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<VapiWebhookFunction>(scope.ServiceProvider);
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = "POST";
        http.Request.Body = new MemoryStream(bytes);
        http.Request.ContentLength = bytes.Length;
        http.Request.Headers["X-Vapi-Secret"] = Secret;
        http.Response.Body = Stream.Null;
        var result = await function.VapiWebhook(http.Request, CancellationToken.None);
        await result.ExecuteAsync(http);
        return http.Response.StatusCode;
    }

    /// <summary>
    /// The fixture's bytes with a fresh call id written over each occurrence of its own, so that, like pgbench's client,
    /// the sender costs next to nothing on the cores the function and PostgreSQL share.
    /// </summary>
    private sealed class DistinctReports(byte[] template, string callId)
    {
        private readonly int[] _offsets = OffsetsOf(template, Encoding.ASCII.GetBytes(callId));

        public int Length => template.Length;

        public byte[] Next()
        {
            var body = (byte[])template.Clone();
            Span<byte> id = stackalloc byte[36];
            Guid.NewGuid().TryFormat(id, out _);
            foreach (var offset in _offsets)
            {
                id.CopyTo(body.AsSpan(offset));
            }
            return body;
        }

        private static int[] OffsetsOf(byte[] bytes, byte[] value)
        {
            var offsets = new List<int>();
            var from = 0;
            while (bytes.AsSpan(from).IndexOf(value) is var found and >= 0)
            {
                offsets.Add(from + found);
                from += found + value.Length;
            }
            return offsets.Count > 0 ? [.. offsets] : throw new InvalidOperationException("The template has no call id to replace.");
        }
    }
}
