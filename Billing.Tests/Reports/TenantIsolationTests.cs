using System.Text.Json;
using Billing.Domain.Access;
using Billing.Functions.Infrastructure;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

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

        var requests = EveryEndpoint(world.B, invoicesB[0]).Concat(
        [
            ("GET", $"/api/invoices?clientId={world.B}", null),
            ("GET", $"/api/invoices?format=csv&clientId={world.B}", null),
            ("GET", $"/api/invoices?sort=total&limit=1&cursor={cursorOfB}", null),
            ("GET", $"/api/clients/{world.B}/invoices?format=csv", null),
            ("GET", "/api/reports/revenue?format=csv", null),
            ("GET", "/api/reports/top-clients?period=2025-11&limit=500", null),
            ("GET", "/api/reports/recent-invoices?since=2025-01-01T00:00:00Z&limit=500", null),
            ("GET", "/api/reports/margin?period=2025-11&format=csv", null),
            ("GET", $"/api/reports/tools?period=2025-11&clientId={world.B}", null),
            ("GET", "/api/usage?limit=500", null),
            ("GET", $"/api/usage?clientId={world.B}", null),
            ("GET", "/api/usage/unattributed?limit=500", null),
            ("GET", "/api/payments?limit=500", null),
            ("GET", $"/api/payments?invoiceId={invoicesB[0]}", null),
            ("GET", $"/api/payments?clientId={world.B}", null),
            ("GET", "/api/invoices?exportable=false", null),
            ("GET", $"/api/clients/{world.B}/invoices?exportable=false", null),
        ]).ToList();

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
            Assert.True(response.Status is 200 or 403 or 404 || NotExportable(path, response.Status), $"{method} {path}: {response.Status}");
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
        // None on either client (the client-view walk of this class records one on its own world).
        Assert.Equal(0, await db.Payments.CountAsync(p => p.Invoice!.ClientId == world.A || p.Invoice!.ClientId == world.B));
    }

    /// <summary>
    /// The agency-only set, as the issue names it: Vapi's cost to the agency, the margin, where a rate came from, staff and
    /// key names; and why the agency reviews an invoice's money. Every <see cref="AgencyOnlyAttribute"/> field of the views must be in it (checked below).
    /// </summary>
    private static readonly HashSet<string> AgencyOnlyFields =
        ["vapiCost", "vapiCostUsd", "callsWithoutVapiCost", "margin", "missingRates", "source", "actor", "keyName", "keyId", "reviewReason"];

    [Fact]
    public void Every_field_the_views_mark_agency_only_is_in_the_walked_set()
    {
        var marked = typeof(AgencyOnlyAttribute).Assembly.GetTypes().SelectMany(t => t.GetProperties()).Where(ClientView.IsAgencyOnly)
            .Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).ToHashSet();

        Assert.NotEmpty(marked);
        Assert.Subset(AgencyOnlyFields, marked);
    }

    [Fact]
    public async Task A_client_key_sees_what_it_is_billed_and_no_agency_only_field_on_any_endpoint()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "cv");
        await using var db = database.CreateContext();
        var invoiceA = (await db.Invoices.Where(i => i.ClientId == world.A).OrderBy(i => i.Period).FirstAsync()).Id;
        // A staff key with a person's name sets a rate by hand: its source then names the key ("manual:<key name>").
        const string staffKeyName = "ops-maria-ionescu";
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            var staffKey = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>()
                .CreateAsync(staffKeyName, ApiKeyScope.Admin, null, null, default)).PlainKey;
            Assert.Equal(200, (await world.Api.SendAsync("PUT", "/api/exchange-rates", staffKey,
                """{"date":"2025-12-01","currency":"USD","quoteCurrency":"RON","rate":4.41}""")).Status);
        }
        Assert.Equal(201, (await world.Api.SendAsync("POST", "/api/payments", world.AdminKey,
            $$"""{"invoiceId":"{{invoiceA}}","amount":10,"method":"Transfer","transactionId":"cv-1"}""")).Status);

        var requests = EveryEndpoint(world.A, invoiceA.ToString()).Concat(
        [
            ("GET", "/api/invoices?format=csv", null),
            ("GET", $"/api/clients/{world.A}/invoices?format=csv", null),
            ("GET", "/api/reports/revenue?format=csv", null),
            ("GET", "/api/reports/top-clients?period=2025-11&format=csv", null),
            ("GET", "/api/reports/margin?period=2025-11&format=csv", null),
            ("GET", "/api/usage?format=csv", null),
            ("GET", "/api/payments?format=csv", null),
            ("GET", "/api/exchange-rates?from=2025-11-01&to=2025-12-02", null),
            ("GET", "/api/exchange-rates?from=2025-11-01&to=2025-12-02&format=csv", null),
        ]).ToList();

        var visited = new HashSet<(string, string)>();
        var answered = 0;
        foreach (var (method, path, body) in requests)
        {
            var response = await world.Api.SendAsync(method, path, world.KeyA, body);
            visited.Add((method, Template(path)));
            Assert.True(response.Status is 200 or 403 or 404 || NotExportable(path, response.Status), $"{method} {path}: {response.Status}");
            Assert.DoesNotContain(staffKeyName, response.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("manual:", response.Body, StringComparison.Ordinal);
            if (response.Status != 200 || response.ContentType.StartsWith("application/pdf", StringComparison.Ordinal)
                || response.ContentType.StartsWith("application/xml", StringComparison.Ordinal))
            {
                continue;
            }
            answered++;
            var fields = response.ContentType.StartsWith("text/csv", StringComparison.Ordinal)
                ? response.Body.Split("\r\n")[0].Split(',').SelectMany(c => c.Split('.')).ToList()
                : FieldNames(response.Json).ToList();
            Assert.NotEmpty(fields);
            var leaked = fields.Where(AgencyOnlyFields.Contains).Distinct().ToList();
            Assert.True(leaked.Count == 0, $"{method} {path} showed a client key agency-only fields {string.Join(", ", leaked)}:\n{response.Body}");
        }
        Assert.Equal(Api.Endpoints.Select(e => (e.Method, e.Template)).OrderBy(e => e).ToList(), visited.OrderBy(e => e).ToList());
        Assert.True(answered >= 15, $"only {answered} endpoints answered the client key");

        // What the client is billed is all there: its usage with minutes and billed amounts, its preview, its payment.
        var usage = await world.ItemsAsync("/api/usage", world.KeyA);
        Assert.Equal(world.CallsA.Order(), usage.Select(u => u.GetProperty("callId").GetString()!).Order());
        Assert.All(usage, u => Assert.True(u.TryGetProperty("durationMinutes", out _) && u.TryGetProperty("cost", out _)));
        Assert.Equal(403, (await world.Api.GetAsync("/api/reports/margin?period=2025-11", world.KeyA)).Status);
        Assert.Single(await world.ItemsAsync("/api/payments", world.KeyA));

        // The agency's keys still read the agency's figures: the walk above is not vacuous.
        var agencyUsage = await world.ItemsAsync("/api/usage", world.ReportingKey);
        Assert.Contains(agencyUsage, u => u.GetProperty("vapiCostUsd").ValueKind == JsonValueKind.String);
        Assert.Contains("vapiCostUsd", (await world.Api.GetAsync("/api/usage?format=csv", world.ReportingKey)).Body.Split("\r\n")[0]);
        Assert.Contains(await world.ItemsAsync("/api/exchange-rates?from=2025-11-01&to=2025-12-02", world.ReportingKey),
            r => r.GetProperty("source").GetString() == "manual:" + staffKeyName);
        Assert.Equal(200, (await world.Api.GetAsync("/api/reports/margin?period=2025-11", world.ReportingKey)).Status);
    }

    /// <summary>Every endpoint that takes an API key once, with <paramref name="clientId"/>'s ids in its path and body.</summary>
    private static IEnumerable<(string Method, string Path, string? Body)> EveryEndpoint(string clientId, string invoiceId) =>
    [
        ("GET", "/api/invoices", null),
        ("GET", $"/api/invoices/{invoiceId}", null),
        ("GET", $"/api/invoices/{invoiceId}/pdf", null),
        ("GET", $"/api/invoices/{invoiceId}/efactura.xml", null),
        ("POST", $"/api/invoices/{invoiceId}/credit-notes", """{"reason":"evil"}"""),
        ("POST", $"/api/invoices/{invoiceId}/reissue", null),
        ("GET", $"/api/credit-notes/{Guid.NewGuid()}/efactura.xml", null),
        ("POST", $"/api/invoices/{invoiceId}/checkout", null),
        ("DELETE", $"/api/invoices/{invoiceId}/review", null),
        ("GET", "/api/stripe/events", null),
        ("GET", $"/api/invoices/{invoiceId}/history", null),
        ("GET", $"/api/clients/{clientId}/history", null),
        ("GET", $"/api/clients/{clientId}/invoices", null),
        ("GET", $"/api/clients/{clientId}/usage/current", null),
        ("GET", "/api/reports/revenue", null),
        ("GET", "/api/reports/top-clients?period=2025-11", null),
        ("GET", "/api/reports/recent-invoices?since=2025-01-01T00:00:00Z", null),
        ("GET", "/api/reports/margin?period=2025-11", null),
        ("GET", "/api/reports/tools?period=2025-11", null),
        ("GET", "/api/usage", null),
        ("GET", "/api/usage/unattributed", null),
        ("GET", "/api/payments", null),
        ("POST", "/api/payments", $$"""{"invoiceId":"{{invoiceId}}","amount":1,"method":"Card"}"""),
        ("POST", $"/api/invoices/{invoiceId}/payments", """{"amount":1,"method":"card"}"""),
        ("PATCH", $"/api/payments/{Guid.NewGuid()}", """{"status":"COMPLETED"}"""),
        ("POST", $"/api/payments/{Guid.NewGuid()}/refunds", """{"amount":1}"""),
        ("POST", "/api/payments/statements", "date;amount;currency;reference;payer;id"),
        ("GET", "/api/clients", null),
        ("GET", $"/api/clients/{clientId}", null),
        ("GET", $"/api/clients/{clientId}/terms", null),
        ("POST", "/api/clients", """{"clientId":"iso_evil","name":"x","monthlyFee":1,"pricePerMinute":1}"""),
        ("PATCH", $"/api/clients/{clientId}", """{"active":false}"""),
        ("GET", "/api/issuer", null),
        ("PUT", "/api/issuer", """{"legalName":"Evil SRL","fiscalCode":"18547290","vatPayer":false,"vatExemptionReason":"x"}"""),
        ("GET", "/api/vat-rates", null),
        ("PUT", "/api/vat-rates", """{"kind":"standard","percent":1,"validFrom":"2030-01-01"}"""),
        ("GET", "/api/keys", null),
        ("POST", "/api/keys", $$"""{"name":"x","scope":"client","clientId":"{{clientId}}"}"""),
        ("DELETE", $"/api/keys/{Guid.NewGuid()}", null),
        ("GET", "/api/exchange-rates", null),
        ("PUT", "/api/exchange-rates", """{"date":"2025-11-28","currency":"USD","quoteCurrency":"RON","rate":9}"""),
        ("POST", "/api/exchange-rates/nbr", null),
        ("GET", "/api/outbox", null),
        ("GET", "/api/client-failures", null),
        ("GET", "/api/quarantine", null),
        ("POST", "/api/quarantine/replay", null),
        ("POST", $"/api/quarantine/{Guid.NewGuid()}/replay", null),
    ];

    /// <summary>The worlds have no issuer, so their invoices' e-Factura documents answer 409 naming what they lack.</summary>
    private static bool NotExportable(string path, int status) => status == 409 && path.EndsWith("/efactura.xml", StringComparison.Ordinal);

    private static IEnumerable<string> FieldNames(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => FieldNames(p.Value).Prepend(p.Name)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(FieldNames),
        _ => [],
    };

    /// <summary>The route template a concrete path was sent to.</summary>
    private static string Template(string pathAndQuery)
    {
        var path = pathAndQuery.Split('?')[0];
        return Api.Endpoints.Select(e => e.Template).Where(t => t.Split('/').Length == path.Split('/').Length)
            .OrderByDescending(t => t.Split('/').Count(s => !s.StartsWith('{')))
            .First(t => t.Split('/').Zip(path.Split('/')).All(p => p.First.StartsWith('{') || p.First == p.Second));
    }
}
