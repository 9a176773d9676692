using System.Text.Json;
using Billing.Domain.Reports;
using Billing.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Billing.Tests.Reports;

/// <summary>
/// Every report query, as the endpoints really send it, is explained with sequential scans disabled: if the plan
/// still scans "Factura", "UsageLog" or "PaymentTransaction" sequentially, no index can serve it.
/// </summary>
public sealed class QueryPlanTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static readonly string[] LargeTables = ["Factura", "UsageLog", "PaymentTransaction"];

    private sealed class ExplainingDatabase(NpgsqlDataSource dataSource) : ReportingDatabase(dataSource)
    {
        public List<(string Sql, List<string> SeqScans)> Plans { get; } = [];

        public override async Task<List<T>> QueryAsync<T>(SqlQuery query, Func<NpgsqlDataReader, T> map, CancellationToken ct)
        {
            await using (var connection = await DataSource.OpenConnectionAsync(ct))
            {
                await using (var off = new NpgsqlCommand("SET enable_seqscan = off", connection))
                {
                    await off.ExecuteNonQueryAsync(ct);
                }
                await using var explain = new NpgsqlCommand("EXPLAIN (FORMAT JSON) " + query.Text, connection);
                explain.Parameters.AddRange(query.Parameters.Select(p => p.Clone()).ToArray());
                using var plan = JsonDocument.Parse((string)(await explain.ExecuteScalarAsync(ct))!);
                var scans = new List<string>();
                Collect(plan.RootElement[0].GetProperty("Plan"), scans);
                Plans.Add((query.Text, scans));
            }
            return await base.QueryAsync(query, map, ct);
        }

        private static void Collect(JsonElement node, List<string> scans)
        {
            if (node.GetProperty("Node Type").GetString() == "Seq Scan" && LargeTables.Contains(node.GetProperty("Relation Name").GetString()))
            {
                scans.Add(node.GetProperty("Relation Name").GetString()!);
            }
            if (node.TryGetProperty("Plans", out var children))
            {
                foreach (var child in children.EnumerateArray())
                {
                    Collect(child, scans);
                }
            }
        }
    }

    [Fact]
    public async Task Every_report_query_can_use_an_index()
    {
        ExplainingDatabase? explaining = null;
        await using var world = await ReportingWorld.CreateAsync(database, "plan", services => services.AddSingleton<ReportingDatabase>(sp =>
            explaining = new ExplainingDatabase(sp.GetRequiredService<NpgsqlDataSource>())));
        string[] reads =
        [
            "/api/invoices", "/api/invoices?status=PAID&sort=dueDate", "/api/invoices?period=2025-11&sort=-total",
            "/api/invoices?periodFrom=2025-01&periodTo=2025-12&sort=period", "/api/invoices?createdSince=2025-11-01T00:00:00Z",
            "/api/invoices?dueBefore=2025-12-31&sort=dueDate", $"/api/clients/{world.A}/invoices", "/api/reports/revenue?from=2025-01&to=2025-12",
            "/api/reports/top-clients?period=2025-11", "/api/reports/recent-invoices", "/api/reports/margin?period=2025-11",
            "/api/reports/tools?period=2025-11", "/api/usage", $"/api/usage?clientId={world.A}&from=2025-11-01T00:00:00Z",
            "/api/usage/unattributed", "/api/payments?status=FAILED", "/api/payments",
        ];
        foreach (var key in new[] { world.ReportingKey, world.KeyA })
        {
            foreach (var read in reads)
            {
                // The margin report is the agency's: a client key gets 403 and runs no query.
                var margin = read.StartsWith("/api/reports/margin", StringComparison.Ordinal);
                Assert.Equal(margin && key == world.KeyA ? 403 : 200, (await world.Api.GetAsync(read, key)).Status);
            }
        }
        var first = await world.Api.GetAsync("/api/invoices?limit=1&sort=total", world.ReportingKey);
        await world.Api.GetAsync($"/api/invoices?limit=1&sort=total&cursor={first.Json.GetProperty("nextCursor").GetString()}", world.ReportingKey);

        Assert.NotNull(explaining);
        Assert.True(explaining.Plans.Count >= reads.Length * 2 - 1);
        var scanning = explaining.Plans.Where(p => p.SeqScans.Count > 0).Select(p => $"{string.Join(",", p.SeqScans)}: {p.Sql}").ToList();
        Assert.True(scanning.Count == 0, "Sequential scans:\n" + string.Join("\n\n", scanning));
    }
}
