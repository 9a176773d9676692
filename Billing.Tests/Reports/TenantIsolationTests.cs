using System.Text.Json;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Billing.Tests.Reports;

/// <summary>
/// Walks every endpoint that takes an API key with client A's key, asking for B's data every way there is (filters,
/// path ids, invoice ids, cursors, CSV), and proves nothing of B's comes back: no client id, invoice id, call id or
/// amount. Admin-only endpoints answer 403 and write nothing.
/// </summary>
public sealed class TenantIsolationTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task A_client_key_never_sees_another_clients_data_on_any_endpoint()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "iso");
        await using var db = database.CreateContext();
        var invoicesB = await db.Invoices.Where(i => i.ClientId == world.B).Select(i => i.Id.ToString()).ToListAsync();
        var invoiceA = (await db.Invoices.FirstAsync(i => i.ClientId == world.A)).Id;
        var secretsOfB = invoicesB.Concat(world.CallsB).Append(world.B).Append(world.UnattributedCall).ToList();
        var cursorOfB = (await world.Api.GetAsync($"/api/invoices?clientId={world.B}&limit=1&sort=total", world.ReportingKey))
            .Json.GetProperty("nextCursor").GetString();

        var requests = new List<(string Method, string Path, string? Body)>
        {
            ("GET", "/api/invoices", null),
            ("GET", $"/api/invoices?clientId={world.B}", null),
            ("GET", $"/api/invoices?format=csv&clientId={world.B}", null),
            ("GET", $"/api/invoices?sort=total&limit=1&cursor={cursorOfB}", null),
            ("GET", $"/api/invoices/{invoicesB[0]}", null),
            ("GET", $"/api/invoices/{invoicesB[0]}/pdf", null),
            ("GET", $"/api/invoices/{invoicesB[0]}/history", null),
            ("GET", $"/api/clients/{world.B}/history", null),
            ("GET", $"/api/clients/{world.B}/invoices", null),
            ("GET", $"/api/clients/{world.B}/invoices?format=csv", null),
            ("GET", $"/api/clients/{world.B}/usage/current", null),
            ("GET", "/api/reports/revenue", null),
            ("GET", "/api/reports/revenue?format=csv", null),
            ("GET", "/api/reports/top-clients?period=2025-11&limit=500", null),
            ("GET", "/api/reports/recent-invoices?since=2025-01-01T00:00:00Z&limit=500", null),
            ("GET", "/api/reports/margin?period=2025-11", null),
            ("GET", "/api/reports/margin?period=2025-11&format=csv", null),
            ("GET", "/api/reports/tools?period=2025-11", null),
            ("GET", $"/api/reports/tools?period=2025-11&clientId={world.B}", null),
            ("GET", "/api/usage?limit=500", null),
            ("GET", $"/api/usage?clientId={world.B}", null),
            ("GET", "/api/usage/unattributed?limit=500", null),
            ("GET", "/api/payments?limit=500", null),
            ("GET", $"/api/payments?invoiceId={invoicesB[0]}", null),
            ("GET", $"/api/payments?clientId={world.B}", null),
            ("POST", "/api/payments", $$"""{"invoiceId":"{{invoicesB[0]}}","amount":1,"method":"Card"}"""),
            ("POST", $"/api/invoices/{invoicesB[0]}/payments", """{"amount":1,"method":"card"}"""),
            ("PATCH", $"/api/payments/{Guid.NewGuid()}", """{"status":"COMPLETED"}"""),
            ("POST", $"/api/payments/{Guid.NewGuid()}/refunds", """{"amount":1}"""),
            ("POST", "/api/payments/statements", "date;amount;currency;reference;payer;id"),
            ("GET", "/api/clients", null),
            ("GET", $"/api/clients/{world.B}", null),
            ("GET", $"/api/clients/{world.B}/terms", null),
            ("POST", "/api/clients", """{"clientId":"iso_evil","name":"x","monthlyFee":1,"pricePerMinute":1}"""),
            ("PATCH", $"/api/clients/{world.B}", """{"active":false}"""),
            ("GET", "/api/issuer", null),
            ("PUT", "/api/issuer", """{"legalName":"Evil SRL","fiscalCode":"18547290","vatPayer":false,"vatExemptionReason":"x"}"""),
            ("GET", "/api/keys", null),
            ("POST", "/api/keys", $$"""{"name":"x","scope":"client","clientId":"{{world.B}}"}"""),
            ("DELETE", $"/api/keys/{Guid.NewGuid()}", null),
            ("GET", "/api/exchange-rates", null),
            ("PUT", "/api/exchange-rates", """{"date":"2025-11-28","currency":"USD","quoteCurrency":"RON","rate":9}"""),
            ("POST", "/api/exchange-rates/nbr", null),
            ("GET", "/api/outbox", null),
            ("GET", "/api/quarantine", null),
            ("POST", "/api/quarantine/replay", null),
            ("POST", $"/api/quarantine/{Guid.NewGuid()}/replay", null),
        };

        var visited = new HashSet<(string, string)>();
        foreach (var (method, path, body) in requests)
        {
            var response = await world.Api.SendAsync(method, path, world.KeyA, body);
            visited.Add((method, Template(path)));
            // A 404 may echo what the caller sent; anything else of B's is a leak.
            foreach (var secret in secretsOfB.Where(s => !path.Contains(s, StringComparison.Ordinal) && body?.Contains(s, StringComparison.Ordinal) != true))
            {
                Assert.False(response.Body.Contains(secret, StringComparison.Ordinal), $"{method} {path} leaked '{secret}':\n{response.Body}");
            }
            Assert.True(response.Status is 200 or 403 or 404, $"{method} {path}: {response.Status}");
            if (method != "GET")
            {
                Assert.Equal(403, response.Status);
            }
        }
        Assert.Equal(Api.Endpoints.Select(e => (e.Method, e.Template)).OrderBy(e => e).ToList(), visited.OrderBy(e => e).ToList());

        // Ids of another client's rows read exactly like missing ones.
        var foreign = await world.Api.GetAsync($"/api/invoices/{invoicesB[0]}", world.KeyA);
        var missing = await world.Api.GetAsync($"/api/invoices/{Guid.NewGuid()}", world.KeyA);
        Assert.Equal((404, 404), (foreign.Status, missing.Status));
        // And A still sees its own.
        Assert.Equal(200, (await world.Api.GetAsync($"/api/invoices/{invoiceA}", world.KeyA)).Status);
        Assert.True((await world.ItemsAsync("/api/invoices", world.KeyA)).All(i => i.GetProperty("clientId").GetString() == world.A));
        Assert.Equal(0, await db.Clients.CountAsync(c => c.ClientId == "iso_evil"));
        Assert.Equal(0, await db.Payments.CountAsync());
    }

    /// <summary>The route template a concrete path was sent to.</summary>
    private static string Template(string pathAndQuery)
    {
        var path = pathAndQuery.Split('?')[0];
        return Api.Endpoints.Select(e => e.Template).Where(t => t.Split('/').Length == path.Split('/').Length)
            .OrderByDescending(t => t.Split('/').Count(s => !s.StartsWith('{')))
            .First(t => t.Split('/').Zip(path.Split('/')).All(p => p.First.StartsWith('{') || p.First == p.Second));
    }
}
