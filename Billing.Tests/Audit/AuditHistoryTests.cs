using System.Text.Json;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Tests.Cli;
using Billing.Tests.Infrastructure;
using Billing.Tests.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Audit;

/// <summary>
/// The histories read what the changes wrote: payments and the status they move, the cycle's overdue marking, API keys.
/// Admins read who did it; a client key reads only its own invoices and client, without who made each change.
/// </summary>
public sealed class AuditHistoryTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task An_invoices_history_shows_its_payment_and_status_changes_to_admins_and_to_its_own_client_only()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "hist");
        await using var db = database.CreateContext();
        var adminKeyId = await KeyIdAsync(world, world.AdminKey);
        var october = await db.Invoices.SingleAsync(i => i.ClientId == world.A && i.Period == "2025-10");
        var november = await db.Invoices.SingleAsync(i => i.ClientId == world.A && i.Period == "2025-11");
        var ofB = await db.Invoices.FirstAsync(i => i.ClientId == world.B);

        var paid = await world.Api.SendAsync("POST", "/api/payments", world.AdminKey,
            $$"""{"invoiceId":"{{november.Id}}","amount":{{november.Total}},"method":"transfer","transactionId":"bank-hist-1"}""");
        Assert.Equal(201, paid.Status);

        var history = await world.ItemsAsync($"/api/invoices/{november.Id}/history", world.AdminKey);
        Assert.Collection(history,
            payment => Assert.Equal(("payment", "created", $"key:{adminKeyId}"), Change(payment)),
            status =>
            {
                Assert.Equal(("invoice", "status", $"key:{adminKeyId}"), Change(status));
                Assert.Equal("Pending", status.GetProperty("before").GetProperty("status").GetString());
                Assert.Equal("Paid", status.GetProperty("after").GetProperty("status").GetString());
            });

        // The cycle run of 1 December found October's invoice past its due date.
        var overdue = Assert.Single(await world.ItemsAsync($"/api/invoices/{october.Id}/history", world.AdminKey));
        Assert.Equal(("invoice", "status", "system"), Change(overdue));
        Assert.Equal(("Pending", "Overdue"), (overdue.GetProperty("before").GetProperty("status").GetString(),
            overdue.GetProperty("after").GetProperty("status").GetString()));
        Assert.Contains("2025-11-16", overdue.GetProperty("reason").GetString());

        // Its own client reads the same changes without who made them (the actor is agency-only, as the client view
        // defines it); another client's ids read as missing.
        var asClient = await world.ItemsAsync($"/api/invoices/{november.Id}/history", world.KeyA);
        Assert.Equal(2, asClient.Count);
        Assert.All(asClient, r => Assert.False(r.TryGetProperty("actor", out _)));
        Assert.DoesNotContain(adminKeyId.ToString(), (await world.Api.GetAsync($"/api/clients/{world.A}/history", world.KeyA)).Body);
        Assert.Equal(404, (await world.Api.GetAsync($"/api/invoices/{ofB.Id}/history", world.KeyA)).Status);
        Assert.Equal(404, (await world.Api.GetAsync($"/api/clients/{world.B}/history", world.KeyA)).Status);
        Assert.Equal(404, (await world.Api.GetAsync($"/api/invoices/{Guid.NewGuid()}/history", world.AdminKey)).Status);

        // The client's history holds both invoices' changes; the admin's also the client's API key.
        var ofClient = await world.ItemsAsync($"/api/clients/{world.A}/history", world.AdminKey);
        Assert.Equal(3, ofClient.Count(r => r.GetProperty("invoiceId").GetString() is { } id && (id == october.Id.ToString() || id == november.Id.ToString())));
        Assert.Contains(ofClient, r => Change(r) == ("apiKey", "created", "system"));
        Assert.DoesNotContain(await world.ItemsAsync($"/api/clients/{world.A}/history", world.KeyA), r => r.GetProperty("entity").GetString() == "apiKey");
    }

    [Fact]
    public async Task Creating_and_revoking_a_key_is_audited_with_who_did_it_and_the_cli_reads_it()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "keyaudit");
        await using var db = database.CreateContext();
        var adminKeyId = await KeyIdAsync(world, world.AdminKey);

        var created = await world.Api.SendAsync("POST", "/api/keys", world.AdminKey, $$"""{"name":"portal 2","scope":"client","clientId":"{{world.A}}"}""");
        Assert.Equal(201, created.Status);
        var keyId = created.Json.GetProperty("key").GetProperty("id").GetString()!;
        Assert.Equal(204, (await world.Api.SendAsync("DELETE", $"/api/keys/{keyId}", world.AdminKey)).Status);
        // Revoking again changes nothing, so it writes nothing.
        Assert.Equal(404, (await world.Api.SendAsync("DELETE", $"/api/keys/{keyId}", world.AdminKey)).Status);

        var rows = await db.AuditEntries.Where(a => a.Entity == AuditEntities.ApiKey && a.EntityId == keyId).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal([("created", $"key:{adminKeyId}"), ("revoked", $"key:{adminKeyId}")], rows.Select(r => (r.Action, r.Actor)).ToArray());
        Assert.All(rows, r => Assert.Equal(world.A, r.ClientId));
        // The prefix is listed anyway; the secret part of the key never reaches the trail.
        Assert.DoesNotContain(created.Json.GetProperty("plainKey").GetString()!, rows[0].After);
        Assert.Null(JsonDocument.Parse(rows[1].Before!).RootElement.GetProperty("revokedAt").GetString());
        Assert.NotNull(JsonDocument.Parse(rows[1].After!).RootElement.GetProperty("revokedAt").GetString());

        var cli = new CliRunner(database);
        var listed = await cli.RunAsync("audit", "--client", world.A);
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains($"key:{adminKeyId}", listed.Out);
        Assert.Contains("revoked", listed.Out);
        var invoice = await db.Invoices.FirstAsync(i => i.ClientId == world.A && i.Period == "2025-10");
        var json = await cli.RunAsync("audit", "--invoice", invoice.Id.ToString(), "--json");
        Assert.Equal("status", Assert.Single(JsonDocument.Parse(json.Out).RootElement.EnumerateArray()).GetProperty("action").GetString());
        Assert.Equal(2, (await cli.RunAsync("audit")).ExitCode);
        Assert.Equal(1, (await cli.RunAsync("audit", "--client", "nobody_here")).ExitCode);
    }

    private static async Task<Guid> KeyIdAsync(ReportingWorld world, string plainKey)
    {
        await using var scope = world.Scenario.Services.CreateAsyncScope();
        return (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().AuthenticateAsync(plainKey, default))!.KeyId;
    }

    private static (string?, string?, string?) Change(JsonElement row) =>
        (row.GetProperty("entity").GetString(), row.GetProperty("action").GetString(), row.GetProperty("actor").GetString());
}
