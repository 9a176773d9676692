using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Tests.Cli;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Payments;

/// <summary>
/// allowCredit set through the API and the CLI (audited), the client's credit shown on it to the agency and to the client's
/// own key, and <c>billing payments record|list|refund</c> with the API's rules.
/// </summary>
public sealed class ClientCreditAndCliTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task AllowCredit_is_set_by_patch_and_cli_audited_and_the_credit_is_shown_on_the_client_to_the_agency_and_the_client()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("credit_shown", fee: 500m);
        string clientKey;
        await using (var scope = world.Scenario.Services.CreateAsyncScope())
        {
            clientKey = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>()
                .CreateAsync("portal", ApiKeyScope.Client, "credit_shown", null, default)).PlainKey;
        }

        // Without allowCredit an overpayment is refused; the client shows no credit.
        Assert.Equal(422, (await world.PayAsync(invoice.Id, """{"amount":800,"method":"transfer"}""")).Status);
        var before = await world.SendAsync("GET", "/api/clients/credit_shown");
        Assert.False(before.Json.GetProperty("allowCredit").GetBoolean());
        Assert.Equal(0, before.Json.GetProperty("credit").GetArrayLength());

        var patched = await world.SendAsync("PATCH", "/api/clients/credit_shown", """{"allowCredit":true}""");
        Assert.Equal(200, patched.Status);
        Assert.True(patched.Json.GetProperty("allowCredit").GetBoolean());
        // The agency sets it, never the client.
        Assert.Equal(403, (await world.Api.SendAsync("PATCH", "/api/clients/credit_shown", clientKey, """{"allowCredit":false}""")).Status);

        Assert.Equal(201, (await world.PayAsync(invoice.Id, """{"amount":800,"method":"transfer"}""")).Status);
        foreach (var key in new[] { world.AdminKey, clientKey })
        {
            var client = await world.Api.GetAsync("/api/clients/credit_shown", key);
            Assert.Equal(200, client.Status);
            var credit = Assert.Single(client.Json.GetProperty("credit").EnumerateArray());
            Assert.Equal(("RON", "300.00"), (credit.GetProperty("currency").GetString(), credit.GetProperty("amount").GetString()));
        }
        var listed = (await world.Api.GetAsync("/api/clients", clientKey)).Json.GetProperty("items");
        Assert.Equal("300.00", Assert.Single(listed.EnumerateArray()).GetProperty("credit")[0].GetProperty("amount").GetString());

        var cli = new CliRunner(database, world.Scenario.Clock);
        var list = await cli.RunAsync("clients", "list");
        Assert.Contains("300.00 RON", list.Out.Split('\n').Single(l => l.StartsWith("credit_shown", StringComparison.Ordinal)));
        var set = await cli.RunAsync("clients", "set", "credit_shown", "--allow-credit", "false");
        Assert.Equal(0, set.ExitCode);
        // Setting it to what it is changes nothing and writes nothing.
        Assert.Equal(200, (await world.SendAsync("PATCH", "/api/clients/credit_shown", """{"allowCredit":false}""")).Status);

        await using var db = database.CreateContext();
        var rows = await db.AuditEntries.Where(a => a.Entity == AuditEntities.Client && a.EntityId == "credit_shown" && a.Action == "allowCredit")
            .OrderBy(a => a.Id).ToListAsync();
        Assert.Collection(rows,
            api =>
            {
                Assert.StartsWith("key:", api.Actor);
                Assert.Equal(("""{"allowCredit": false}""", """{"allowCredit": true}"""), (api.Before, api.After));
            },
            operatorRow =>
            {
                Assert.StartsWith("cli:", operatorRow.Actor);
                Assert.Equal(("""{"allowCredit": true}""", """{"allowCredit": false}"""), (operatorRow.Before, operatorRow.After));
            });
        Assert.False((await db.Clients.SingleAsync(c => c.ClientId == "credit_shown")).AllowCredit);
        Assert.Equal(422, (await world.PayAsync(invoice.Id, """{"amount":1,"method":"cash"}""")).Status);
    }

    [Fact]
    public async Task AllowCredit_can_be_given_at_creation_by_api_and_cli_and_the_creation_is_audited_with_it()
    {
        await using var world = await PaymentWorld.CreateAsync(database);

        var created = await world.SendAsync("POST", "/api/clients",
            """{"clientId":"credit_at_birth","name":"Clinica Nouă","monthlyFee":100,"pricePerMinute":0.5,"allowCredit":true}""");
        Assert.Equal(201, created.Status);
        Assert.True(created.Json.GetProperty("allowCredit").GetBoolean());
        var cli = await new CliRunner(database, world.Scenario.Clock).RunAsync("clients", "add", "--id", "credit_cli", "--name", "Salon Nou",
            "--fee", "50", "--rate", "0.4", "--allow-credit");
        Assert.Equal(0, cli.ExitCode);
        Assert.Equal(201, (await world.SendAsync("POST", "/api/clients",
            """{"clientId":"credit_default","name":"Farmacia Nouă","monthlyFee":100,"pricePerMinute":0.5}""")).Status);

        await using var db = database.CreateContext();
        Assert.Equal([("credit_at_birth", true), ("credit_cli", true), ("credit_default", false)], await db.Clients
            .Where(c => c.ClientId.StartsWith("credit_") && c.ClientId != "credit_shown").OrderBy(c => c.ClientId)
            .Select(c => new ValueTuple<string, bool>(c.ClientId, c.AllowCredit)).ToListAsync());
        var audited = await db.AuditEntries.Where(a => a.Entity == AuditEntities.Client && a.Action == "created")
            .OrderBy(a => a.EntityId).ToListAsync();
        Assert.Equal(["credit_at_birth", "credit_cli", "credit_default"], audited.Select(a => a.EntityId).Where(id => id.StartsWith("credit_")));
        var api = audited.Single(a => a.EntityId == "credit_at_birth");
        Assert.StartsWith("key:", api.Actor);
        Assert.Null(api.Before);
        Assert.True(System.Text.Json.JsonDocument.Parse(api.After!).RootElement.GetProperty("allowCredit").GetBoolean());
        Assert.StartsWith("cli:", audited.Single(a => a.EntityId == "credit_cli").Actor);
    }

    [Fact]
    public async Task The_cli_records_lists_and_refunds_payments_with_the_api_rules_and_audits_them_as_the_operator()
    {
        await using var world = await PaymentWorld.CreateAsync(database);
        var invoice = await world.InvoiceAsync("cli_payer", fee: 1000m);
        var cli = new CliRunner(database, world.Scenario.Clock);

        var part = await cli.RunAsync("payments", "record", invoice.Number!, "--amount", "400", "--transaction-id", "BT-1", "--reference", "partial");
        Assert.Equal(0, part.ExitCode);
        Assert.Contains($"invoice {invoice.Number} is PENDING, 600.00 RON due", part.Out);
        // The same bank id again is the payment already recorded, not a second one.
        var again = await cli.RunAsync("payments", "record", invoice.Number!, "--amount", "400", "--transaction-id", "BT-1");
        Assert.Equal(0, again.ExitCode);
        Assert.StartsWith("Already recorded", again.Out);

        // The API's refusals: more than is due, a wrong currency, a bad method; nothing is written by any of them.
        var over = await cli.RunAsync("payments", "record", invoice.Number!, "--amount", "600.01");
        Assert.Equal(2, over.ExitCode);
        Assert.Contains("amount", over.Error);
        Assert.Equal(2, (await cli.RunAsync("payments", "record", invoice.Number!, "--amount", "600", "--currency", "EUR")).ExitCode);
        Assert.Equal(2, (await cli.RunAsync("payments", "record", invoice.Number!, "--amount", "600", "--method", "cheque")).ExitCode);
        Assert.Equal(1, (await cli.RunAsync("payments", "record", "VAI-1999-000001", "--amount", "1")).ExitCode);

        var rest = await cli.RunAsync("payments", "record", invoice.Id.ToString(), "--amount", "600", "--method", "card", "--json");
        Assert.Equal(0, rest.ExitCode);
        Assert.Contains("\"invoiceStatus\": \"Paid\"", rest.Out);
        Assert.Equal(InvoiceStatus.Paid, (await world.ReloadAsync(invoice.Id)).Status);

        await using var db = database.CreateContext();
        var card = await db.Payments.SingleAsync(p => p.InvoiceId == invoice.Id && p.Method == PaymentMethod.Card);
        var refund = await cli.RunAsync("payments", "refund", card.Id.ToString(), "--amount", "150", "--reason", "double charge");
        Assert.Equal(0, refund.ExitCode);
        Assert.Contains("REFUNDED 150.00 RON", refund.Out);
        Assert.Contains("is PENDING, 150.00 RON due", refund.Out);
        Assert.Equal(2, (await cli.RunAsync("payments", "refund", card.Id.ToString(), "--amount", "450.01")).ExitCode);

        var listed = await cli.RunAsync("payments", "list", "--invoice", invoice.Number!);
        Assert.Equal(0, listed.ExitCode);
        var lines = listed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(2).ToList();
        Assert.Equal(3, lines.Count);
        Assert.Contains(lines, l => l.Contains("REFUNDED", StringComparison.Ordinal) && l.Contains(card.Id.ToString(), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("BT-1", StringComparison.Ordinal) && l.Contains("400.00 RON", StringComparison.Ordinal));
        var refunded = await cli.RunAsync("payments", "list", "--invoice", invoice.Number!, "--status", "REFUNDED", "--json");
        Assert.Contains("\"amount\": 150", refunded.Out);
        Assert.DoesNotContain("BT-1", refunded.Out);
        Assert.Equal(2, (await cli.RunAsync("payments", "list", "--status", "LOST")).ExitCode);

        Assert.Equal(3, await db.Payments.CountAsync(p => p.InvoiceId == invoice.Id));
        var actors = await db.AuditEntries.Where(a => a.InvoiceId == invoice.Id && a.Entity == AuditEntities.Payment).Select(a => a.Actor).ToListAsync();
        Assert.True(actors.Count >= 3, string.Join(", ", actors));
        Assert.All(actors, a => Assert.Equal(Actor.CurrentCliUser().Name, a));
    }
}
