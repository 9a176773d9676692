using System.Diagnostics;
using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Billing.Tests.Invoicing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Tests.Reliability;

/// <summary>
/// Poison clients: three clients broken the ways hand-written SQL breaks them, among 1,000 healthy ones (10,000 in the
/// full set), over two monthly runs over all clients: every healthy client is invoiced twice, numbers stay gap-free,
/// each broken client fails alone with its step named, once per run (docs/decisions/0021).
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait("Category", "Reliability")]
public sealed class PoisonClientTests(ReliabilityDatabase fixture) : IClassFixture<ReliabilityDatabase>
{
    private readonly Infrastructure.TestDatabase _database = fixture.Database;

    private async Task SqlAsync(string sql)
    {
        await using var connection = await _database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Three_broken_clients_among_the_healthy_ones_leave_every_healthy_client_invoiced_twice()
    {
        var healthy = ReliabilityReport.Full ? 10_000 : 1_000;
        await using var scenario = new BillingScenario(_database, new() { ["Billing:InvoiceSeries"] = "PSN" });
        await using (var db = _database.CreateContext())
        {
            db.Clients.AddRange(Enumerable.Range(0, healthy).Select(n => new Client
            {
                ClientId = $"healthy_{n:D5}",
                Name = $"Healthy {n}",
                MonthlyFee = 100m + n % 7,
                PricePerMinute = 0.5m,
                BillingStartDate = new DateOnly(2040, 1, 1),
                Assistants = [new ClientAssistant { VapiId = $"asst_healthy_{n:D5}", ClientId = $"healthy_{n:D5}" }],
            }));
            db.Clients.AddRange(new[] { "poison_term", "poison_fee", "poison_terms" }.Select(id => new Client
            {
                ClientId = id,
                Name = id,
                MonthlyFee = 100m,
                PricePerMinute = 0.5m,
                BillingStartDate = new DateOnly(2040, 1, 1),
                Assistants = [new ClientAssistant { VapiId = $"asst_{id}", ClientId = id }],
            }));
            await db.SaveChangesAsync();
        }
        for (var n = 0; n < healthy; n += 97)
        {
            await scenario.CallAsync($"healthy_{n:D5}", "2040-01-15T10:00:00Z", 90);
        }
        await scenario.CallAsync("poison_fee", "2040-01-15T10:00:00Z", 90);
        await SqlAsync("""
            UPDATE "Client" SET "paymentTermDays" = 2147483647 WHERE "clientId" = 'poison_term';       -- a due date past the calendar
            UPDATE "ClientTerms" SET "taxaLunara" = 9999999999.99 WHERE "clientId" = 'poison_fee';     -- a total past numeric(12,2)
            DELETE FROM "ClientTerms" WHERE "clientId" = 'poison_terms';                                -- no terms at all
            """);

        var stopwatch = Stopwatch.StartNew();
        var january = await scenario.RunAsync("2040-02-01T12:00:00Z", clientId: null);
        var february = await scenario.RunAsync("2040-03-01T12:00:00Z", clientId: null);
        stopwatch.Stop();

        await using var check = _database.CreateContext();
        var counts = await check.Invoices.Where(i => i.ClientId.StartsWith("healthy_")).GroupBy(i => i.ClientId)
            .Select(g => new { g.Key, Count = g.Count() }).ToListAsync();
        var uninvoiced = healthy - counts.Count(c => c.Count == 2);
        ReliabilityReport.Add("poison: healthy clients", healthy);
        ReliabilityReport.Add("poison: broken clients", 3);
        ReliabilityReport.Add("poison: healthy clients uninvoiced (target 0)", uninvoiced);
        ReliabilityReport.Add("poison: runs", 2);
        ReliabilityReport.Note($"poison: two runs over {healthy:N0} healthy + 3 broken clients took {stopwatch.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal(0, uninvoiced);
        foreach (var run in new[] { january, february })
        {
            Assert.Equal(
                [("poison_fee", CycleSteps.Invoicing), ("poison_term", CycleSteps.DuePeriods), ("poison_terms", CycleSteps.DuePeriods)],
                run.Failures.Select(f => (f.ClientId, f.Step)));
            Assert.Equal(Enumerable.Range(1, run.Invoices.Count).Select(n => $"PSN-2040-{n + (run == february ? january.Invoices.Count : 0):D6}"),
                run.Invoices.Select(i => i.Number).Order());
        }
        Assert.Empty(await check.Invoices.Where(i => i.ClientId.StartsWith("poison_")).ToListAsync());
        Assert.Equal([2, 2, 2], await check.ClientFailures.Where(f => f.ResolvedAt == null).OrderBy(f => f.ClientId).Select(f => f.Attempts).ToListAsync());
        var runs = await check.BillingRuns.Where(r => r.Id == january.RunId || r.Id == february.RunId).ToListAsync();
        Assert.All(runs, r => Assert.Equal((3, (string?)null), (r.FailedClients, r.Error)));
    }
}
