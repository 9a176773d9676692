using System.Diagnostics;
using Billing.Domain.Access;
using Billing.Domain.Reports;
using Billing.Functions.Invoicing;
using Billing.Functions.Payments;
using Billing.Functions.Reports;
using Billing.Functions.Usage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Bench;

/// <summary>
/// Each query and report endpoint through its function (API-key check, validation, query, JSON), beside the very
/// statements it sent, replayed as raw SQL through Npgsql in the same run, both at 8 concurrent readers over
/// 10,000 clients, 24 months of invoices (240,000) and 2,000,000 calls. Target: p95 &lt;= 1.5x raw + 2 ms.
/// </summary>
public sealed class ReportsSuite : IBenchSuite
{
    private static readonly int Readers = int.TryParse(Environment.GetEnvironmentVariable("BENCH_READERS"), out var r) ? r : 8;

    public string Name => "reports";
    public string Description => "Query/report endpoints p50/p95 at 8 readers vs the same SQL raw (target p95 <= 1.5x raw + 2 ms).";

    /// <summary>Records the statements the endpoints send, so the raw side runs exactly those.</summary>
    private sealed class CapturingDatabase(NpgsqlDataSource dataSource) : ReportingDatabase(dataSource)
    {
        public List<SqlQuery>? Captured { get; set; }

        public override Task<List<T>> QueryAsync<T>(SqlQuery query, Func<NpgsqlDataReader, T> map, CancellationToken ct)
        {
            Captured?.Add(query);
            return base.QueryAsync(query, map, ct);
        }
    }

    private sealed record Endpoint(string Name, string Query, Func<IServiceProvider, HttpRequest, Task<IResult>> Invoke);

    public async Task RunAsync(BenchContext context, CancellationToken ct)
    {
        var (clients, calls, requests) = context.Quick ? (1_000, 100_000, 40) : (10_000, 2_000_000, 400);
        var timing = context.Quick ? Timing.Quick : Timing.Full;
        var seeding = Stopwatch.StartNew();
        await SeedAsync(context, clients, calls, ct);
        Console.WriteLine($"seeded in {seeding.Elapsed.TotalSeconds:0} s");

        // The per-key token bucket (Limits:KeyRequestsPerSecond) would answer most measured calls 429 in microseconds:
        // the suite measures the endpoints, so its key is given room, and every measured answer must be a 200.
        await using var services = context.BuildServices(new()
        {
            ["Vapi:Webhook:AllowUnauthenticated"] = "true",
            ["Limits:KeyRequestsPerSecond"] = "100000",
            ["Limits:KeyBurst"] = "100000",
        }, configure: s =>
            s.AddSingleton<ReportingDatabase>(sp => new CapturingDatabase(sp.GetRequiredService<NpgsqlDataSource>())));
        var database = (CapturingDatabase)services.GetRequiredService<ReportingDatabase>();
        string key;
        await using (var scope = services.CreateAsyncScope())
        {
            key = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("bench", ApiKeyScope.Reporting, null, null, ct)).PlainKey;
        }
        var someInvoice = await ScalarAsync<Guid>(context, """SELECT "id" FROM "Factura" WHERE "clientId" = 'rpt_00042' AND "perioada" = '2025-06'""", ct);
        Endpoint[] endpoints =
        [
            new("GET /invoices?status=PENDING&sort=dueDate", "status=PENDING&sort=dueDate",
                (s, r) => Create<InvoiceFunctions>(s).ListInvoices(r, default)),
            new("GET /invoices?period=2025-06&sort=-total (page 1 of 100)", "period=2025-06&sort=-total",
                (s, r) => Create<InvoiceFunctions>(s).ListInvoices(r, default)),
            new("GET /invoices/{id}", "", (s, r) => Create<InvoiceFunctions>(s).GetInvoice(r, someInvoice.ToString(), default)),
            new("GET /clients/{clientId}/invoices", "", (s, r) => Create<InvoiceFunctions>(s).ListClientInvoices(r, "rpt_00042", default)),
            new("GET /reports/revenue?from=2024-01&to=2025-12&status=PAID", "from=2024-01&to=2025-12&status=PAID",
                (s, r) => Create<ReportFunctions>(s).RevenueReport(r, default)),
            new("GET /reports/top-clients?period=2025-11", "period=2025-11", (s, r) => Create<ReportFunctions>(s).TopClientsReport(r, default)),
            new("GET /reports/recent-invoices?since=2025-12-01T00:00:00Z", "since=2025-12-01T00:00:00Z",
                (s, r) => Create<ReportFunctions>(s).RecentInvoicesReport(r, default)),
            new("GET /payments?status=FAILED", "status=FAILED", (s, r) => Create<PaymentFunctions>(s).ListPayments(r, default)),
            new("GET /usage?clientId=rpt_00042&from=2025-11-01T00:00:00Z", "clientId=rpt_00042&from=2025-11-01T00:00:00Z",
                (s, r) => Create<UsageFunctions>(s).ListUsage(r, default)),
            new("GET /usage/unattributed", "", (s, r) => Create<UsageFunctions>(s).ListUnattributedUsage(r, default)),
            new("GET /reports/tools?period=2025-11&clientId=rpt_00042", "period=2025-11&clientId=rpt_00042",
                (s, r) => Create<ReportFunctions>(s).ToolsReport(r, default)),
            new("GET /reports/margin?period=2025-11 (all clients)", "period=2025-11", (s, r) => Create<ReportFunctions>(s).MarginReport(r, default)),
        ];

        context.Report($"{clients:N0} clients, 24 months of invoices ({clients * 24:N0}), {calls:N0} calls, {Readers} concurrent readers, " +
                       $"at least {requests} requests and {timing.Rounds * timing.RoundFor.TotalSeconds:0.#} s per side in {timing.Rounds} alternating rounds after a {timing.WarmUpFor.TotalSeconds:0.#} s warm-up; reporting key (all clients).");
        context.Report("");
        context.Report("| endpoint | rows | samples (endpoint / raw) | endpoint p50 ms | endpoint p95 ms | raw SQL p50 ms | raw SQL p95 ms | p95 budget (1.5x raw + 2) | met |");
        context.Report("|---|---|---|---|---|---|---|---|---|");
        // The host is a long-lived process: run every endpoint once over before measuring, so the first measured endpoint
        // does not pay alone for the JIT's first compilations of the code all endpoints share.
        foreach (var endpoint in endpoints)
        {
            await RunAsync(async () => await Expect200Async(services, endpoint, key), Readers, timing.WarmUpFor, into: null, ct);
        }
        var met = 0;
        foreach (var endpoint in endpoints)
        {
            database.Captured = [];
            var first = await CallAsync(services, endpoint, key);
            if (first.Status != 200)
            {
                throw new InvalidOperationException($"{endpoint.Name}: {first.Status}");
            }
            var statements = database.Captured;
            database.Captured = null;

            var (api, raw) = await MeasureAsync(requests, timing, async () => await Expect200Async(services, endpoint, key),
                () => RawAsync(database.DataSource, statements, ct), ct);
            var target = new Target.BudgetAtMost(1.5, 2, "ms");
            var budget = target.Limit(Percentiles.Of(raw, 95));
            var ok = Percentiles.Of(api, 95) <= budget;
            context.Record(new Scenario(Name, endpoint.Name + " (p95)", Percentiles.Of(api, 95), "ms", "the captured statements, raw, p95",
                Percentiles.Of(raw, 95), target,
                $"p50 {Percentiles.Of(api, 50):0.00} ms vs raw {Percentiles.Of(raw, 50):0.00} ms over {api.Count:N0} / {raw.Count:N0} samples, {first.Rows} rows; " +
                "beyond raw: API-key check, validation, views and JSON, whose CPU queues at 8 readers on 2 cores"));
            met += ok ? 1 : 0;
            context.Report($"| {endpoint.Name} | {first.Rows} | {api.Count:N0} / {raw.Count:N0} | {Percentiles.Of(api, 50):0.00} | {Percentiles.Of(api, 95):0.00} | " +
                           $"{Percentiles.Of(raw, 50):0.00} | {Percentiles.Of(raw, 95):0.00} | {budget:0.00} | {(ok ? "yes" : "**no**")} |");
        }
        context.Report("");
        context.Report($"Met on {met} of {endpoints.Length} endpoints. The endpoint side also checks the API key (one indexed lookup) and writes JSON;" +
                       " the raw side runs the captured statements and reads every value.");
    }

    private static async Task Expect200Async(IServiceProvider services, Endpoint endpoint, string key)
    {
        var (status, _) = await CallAsync(services, endpoint, key, countRows: false);
        if (status != 200)
        {
            throw new InvalidOperationException($"{endpoint.Name} answered {status} while measured.");
        }
    }

    private static T Create<T>(IServiceProvider scope) where T : class => ActivatorUtilities.CreateInstance<T>(scope);

    private static async Task<(int Status, int Rows)> CallAsync(IServiceProvider services, Endpoint endpoint, string key, bool countRows = true)
    {
        await using var scope = services.CreateAsyncScope();
        var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        http.Request.Method = "GET";
        http.Request.QueryString = endpoint.Query.Length == 0 ? QueryString.Empty : new QueryString("?" + endpoint.Query);
        http.Request.Headers.Authorization = "Bearer " + key;
        // Measured calls stream their JSON to nowhere, as the host streams it to the socket; a MemoryStream would add its
        // own growth to every request.
        var body = countRows ? new MemoryStream() : Stream.Null;
        http.Response.Body = body;
        var result = await endpoint.Invoke(scope.ServiceProvider, http.Request);
        await result.ExecuteAsync(http);
        if (!countRows)
        {
            return (http.Response.StatusCode, -1);
        }
        body.Position = 0;
        using var json = System.Text.Json.JsonDocument.Parse(body);
        var rows = json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                   && json.RootElement.TryGetProperty("items", out var items) ? items.GetArrayLength()
            : json.RootElement.TryGetProperty("clients", out var clients) ? clients.GetArrayLength()
            : json.RootElement.TryGetProperty("periods", out var periods) ? periods.GetArrayLength() : 1;
        return (http.Response.StatusCode, rows);
    }

    private static async Task RawAsync(NpgsqlDataSource dataSource, List<SqlQuery> statements, CancellationToken ct)
    {
        foreach (var statement in statements)
        {
            await using var command = dataSource.CreateCommand(statement.Text);
            command.Parameters.AddRange(statement.Parameters.Select(p => p.Clone()).ToArray());
            await using var reader = await command.ExecuteReaderAsync(ct);
            var values = new object[reader.FieldCount];
            while (await reader.ReadAsync(ct))
            {
                reader.GetValues(values);
            }
        }
    }

    /// <summary>
    /// Measures both sides in alternating rounds (endpoint, raw, endpoint, raw, ...), each round at least
    /// <see cref="RoundFor"/> and a share of <paramref name="requests"/> calls over <see cref="Readers"/> concurrent
    /// readers, so a background hiccup of the shared 2 cores (autovacuum, a checkpoint) lands on both sides alike. Light
    /// endpoints thus get thousands of samples and a p95 is not decided by a handful of them. Returns sorted latencies.
    /// </summary>
    private static async Task<(List<double> Endpoint, List<double> Raw)> MeasureAsync(int requests, Timing timing, Func<Task> endpoint, Func<Task> raw,
        CancellationToken ct)
    {
        var (warmUpFor, rounds, roundFor) = timing;
        // Warm-up, also timed: pools, prepared statements, and the JIT's tiering (which recompiles hot methods in the
        // background for seconds after their first calls) settle before anything is measured.
        await RunAsync(endpoint, Readers * 8, warmUpFor, into: null, ct);
        await RunAsync(raw, Readers * 8, warmUpFor, into: null, ct);
        var (endpointLatencies, rawLatencies) = (new List<double>(requests), new List<double>(requests));
        for (var round = 0; round < rounds; round++)
        {
            await RunAsync(endpoint, requests / rounds, roundFor, endpointLatencies, ct);
            await RunAsync(raw, requests / rounds, roundFor, rawLatencies, ct);
        }
        endpointLatencies.Sort();
        rawLatencies.Sort();
        return (endpointLatencies, rawLatencies);
    }

    /// <summary>Calls at least <paramref name="atLeast"/> times and for at least <paramref name="forAtLeast"/> over
    /// <see cref="Readers"/> concurrent readers, adding each latency in ms to <paramref name="into"/>.</summary>
    private static async Task RunAsync(Func<Task> call, int atLeast, TimeSpan forAtLeast, List<double>? into, CancellationToken ct)
    {
        var remaining = atLeast;
        var until = Stopwatch.GetTimestamp() + (long)(forAtLeast.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, Readers).Select(_ => Task.Run(async () =>
        {
            while ((Interlocked.Decrement(ref remaining) >= 0 || Stopwatch.GetTimestamp() < until) && !ct.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                await call();
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                if (into is not null)
                {
                    lock (into)
                    {
                        into.Add(elapsed);
                    }
                }
            }
        }, ct)));
    }

    /// <summary>How long each endpoint is measured: a full run's rounds, or --quick's shorter ones (a guard, not a record).</summary>
    private sealed record Timing(TimeSpan WarmUpFor, int Rounds, TimeSpan RoundFor)
    {
        public static readonly Timing Full = new(TimeSpan.FromSeconds(3), 4, TimeSpan.FromSeconds(1));
        public static readonly Timing Quick = new(TimeSpan.FromSeconds(0.5), 2, TimeSpan.FromSeconds(0.5));
    }

    private static async Task<T> ScalarAsync<T>(BenchContext context, string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(context.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task SeedAsync(BenchContext context, int clients, int calls, CancellationToken ct)
    {
        await context.ExecuteAsync(SeedSql(clients, calls), ct);
        // As autovacuum would have by now: statistics, and the visibility map that index-only scans need. Then a
        // checkpoint, so writing out the seed does not land in the first endpoints' measurements.
        await context.ExecuteAsync("VACUUM ANALYZE", ct);
        await context.ExecuteAsync("CHECKPOINT", ct);
    }

    private static string SeedSql(int clients, int calls) =>
        BenchData.ClientsSql("rpt_", clients, new DateOnly(2024, 1, 1)) +
        // Calls over the 24 months; one in a thousand has no client yet.
        BenchData.CallsSql("rpt_", clients, calls, new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), 63_113_000, unattributedEvery: 1000) +
        $"""
        -- 24 months per client: paid, except a few overdue and the last month pending.
        INSERT INTO "Factura" ("id", "number", "clientId", "clientName", "perioada", "periodStart", "periodEnd", "minuteTotale", "totalCalls",
            "successfulCalls", "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata", "currency", "status", "dueDate", "issuedAt",
            "paidAt", "reconciled", "createdAt", "updatedAt", "includedMinutes")
        SELECT gen_random_uuid(), 'RPT-' || lpad((m * {clients} + g)::text, 7, '0'), 'rpt_' || lpad(g::text, 5, '0'), 'Report client ' || g,
               to_char(date '2024-01-01' + m * interval '1 month', 'YYYY-MM'), (date '2024-01-01' + m * interval '1 month')::date,
               (date '2024-02-01' + m * interval '1 month')::date, 100 + (g * m) % 400, 40 + (g + m) % 60, 30 + (g + m) % 30,
               round((100 + (g * m) % 400) * (0.30 + (g % 50) / 100.0), 2), 100 + g % 900, 0,
               round((100 + (g * m) % 400) * (0.30 + (g % 50) / 100.0), 2) + 100 + g % 900, 'RON',
               CASE WHEN m = 23 THEN 'PENDING' WHEN (g + m) % 37 = 0 THEN 'OVERDUE' ELSE 'PAID' END,
               (date '2024-02-16' + m * interval '1 month')::date, timestamptz '2024-02-01 06:00:00+00' + m * interval '1 month' + g * interval '1 ms',
               CASE WHEN m <> 23 AND (g + m) % 37 <> 0 THEN timestamptz '2024-02-10 10:00:00+00' + m * interval '1 month' END, true,
               timestamptz '2024-02-01 06:00:00+00' + m * interval '1 month' + g * interval '1 ms',
               timestamptz '2024-02-01 06:00:00+00' + m * interval '1 month', 0
        FROM generate_series(1, {clients}) g, generate_series(0, 23) m;

        INSERT INTO "PaymentTransaction" ("facturaId", "amount", "currency", "paymentMethod", "status", "transactionId", "paidAt")
        SELECT "id", "totalDePlata", 'RON', 'transfer', 'COMPLETED', 'txn-' || "number", "paidAt" FROM "Factura" WHERE "status" = 'PAID';
        INSERT INTO "PaymentTransaction" ("facturaId", "amount", "currency", "paymentMethod", "status", "transactionId")
        SELECT "id", "totalDePlata", 'RON', 'card', 'FAILED', 'failed-' || "number" FROM "Factura" WHERE "status" = 'OVERDUE';

        INSERT INTO "ExchangeRate" ("date", "currency", "quoteCurrency", "rate", "source")
        SELECT d::date, 'USD', 'RON', 4.5 + extract(doy FROM d) / 1000.0, 'BNR' FROM generate_series(date '2024-01-01', date '2025-12-31', interval '1 day') d;
        """;
}
