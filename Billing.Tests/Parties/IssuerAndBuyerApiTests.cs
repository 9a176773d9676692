using System.Text.Json;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Tests.Cli;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Parties;

/// <summary>The issuer and the clients' buyer details through the API and the CLI, with the app's real registrations and database.</summary>
public sealed class IssuerAndBuyerApiTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private Api _api = null!;
    private string _admin = "";
    private string _clientKey = "";

    private const string Issuer = """
        {"legalName":"Agenția Voce SRL","fiscalCode":"RO18547290","vatPayer":true,"tradeRegisterNumber":"J40/1234/2020",
         "address":{"street":"Str. Lipscani 10","city":"SECTOR3","county":"RO-B","postalCode":"030031"},
         "iban":"RO49 AAAA 1B31 0075 9384 0000","bank":"Banca Transilvania","email":"facturi@voce.ro","phone":"+40 21 000 0000"}
        """;

    public async ValueTask InitializeAsync()
    {
        _services = database.CreateServices();
        _api = new Api(_services);
        await using var scope = _services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        _admin = (await keys.CreateAsync("admin", ApiKeyScope.Admin, null, null, default)).PlainKey;
        await _api.SendAsync("POST", "/api/clients", _admin, """{"clientId":"party_a","name":"A","monthlyFee":800,"pricePerMinute":0.56}""");
        _clientKey = (await keys.CreateAsync("portal", ApiKeyScope.Client, "party_a", null, default)).PlainKey;
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task An_admin_sets_the_issuer_once_then_changes_it_and_each_change_is_audited()
    {
        await using (var clean = database.CreateContext())
        {
            await clean.Issuers.ExecuteDeleteAsync(); // other tests of this class set it too
        }
        Assert.Equal(404, (await _api.GetAsync("/api/issuer", _admin)).Status);
        var auditedBefore = await LastAuditIdAsync();

        var created = await _api.SendAsync("PUT", "/api/issuer", _admin, Issuer);
        var changed = await _api.SendAsync("PUT", "/api/issuer", _admin, Issuer.Replace("Str. Lipscani 10", "Str. Lipscani 12"));
        var again = await _api.SendAsync("PUT", "/api/issuer", _admin, Issuer.Replace("Str. Lipscani 10", "Str. Lipscani 12"));

        Assert.Equal((200, 200, 200), (created.Status, changed.Status, again.Status));
        var read = (await _api.GetAsync("/api/issuer", _clientKey)).Json;
        Assert.Equal(("18547290", "RO18547290", "RO49AAAA1B31007593840000"),
            (read.GetProperty("fiscalCode").GetString(), read.GetProperty("vatId").GetString(), read.GetProperty("iban").GetString()));
        Assert.Equal("Str. Lipscani 12", read.GetProperty("address").GetProperty("street").GetString());

        await using var db = database.CreateContext();
        var audit = await db.AuditEntries.Where(a => a.Entity == AuditEntities.Issuer && a.Id > auditedBefore).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal(["created", "changed"], audit.Select(a => a.Action)); // the unchanged third PUT writes nothing
        Assert.Null(audit[0].Before);
        Assert.Equal("Str. Lipscani 10", JsonDocument.Parse(audit[1].Before!).RootElement.GetProperty("address").GetProperty("street").GetString());
        Assert.Equal("Str. Lipscani 12", JsonDocument.Parse(audit[1].After!).RootElement.GetProperty("address").GetProperty("street").GetString());
        Assert.StartsWith("key:", audit[1].Actor, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_issuer_is_refused_naming_every_field_and_nothing_is_written()
    {
        var auditedBefore = await LastAuditIdAsync();
        var issuerBefore = await IssuerUpdatedAtAsync();

        var response = await _api.SendAsync("PUT", "/api/issuer", _admin, Issuer
            .Replace("RO18547290", "RO18547291").Replace("\"RO-B\"", "\"B\"").Replace("RO49 AAAA", "RO48 AAAA"));
        var bucharest = await _api.SendAsync("PUT", "/api/issuer", _admin, Issuer.Replace("SECTOR3", "SECTOR7"));
        var noVatFlag = await _api.SendAsync("PUT", "/api/issuer", _admin, Issuer.Replace("\"vatPayer\":true,", ""));
        var byClient = await _api.SendAsync("PUT", "/api/issuer", _clientKey, Issuer);

        Assert.Equal(422, response.Status);
        Assert.Equal(["address.county", "fiscalCode", "iban"], response.Json.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal(["address.city"], bucharest.Json.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal((400, "vatPayer"), (noVatFlag.Status, noVatFlag.Json.GetProperty("errors").EnumerateObject().Single().Name));
        Assert.Equal(403, byClient.Status);
        Assert.Equal(issuerBefore, await IssuerUpdatedAtAsync());
        Assert.Equal(auditedBefore, await LastAuditIdAsync());
    }

    private async Task<long> LastAuditIdAsync()
    {
        await using var db = database.CreateContext();
        return await db.AuditEntries.MaxAsync(a => (long?)a.Id) ?? 0;
    }

    private async Task<DateTimeOffset?> IssuerUpdatedAtAsync()
    {
        await using var db = database.CreateContext();
        return await db.Issuers.Select(i => (DateTimeOffset?)i.UpdatedAt).SingleOrDefaultAsync();
    }

    [Fact]
    public async Task A_client_carries_its_buyer_details_and_lists_what_e_factura_still_needs()
    {
        var created = await _api.SendAsync("POST", "/api/clients", _admin, """
            {"clientId":"party_b","name":"Dr. Șerban","monthlyFee":800,"pricePerMinute":0.56,"priceBasis":"gross",
             "legalName":"Cabinet Dr. Șerban SRL","fiscalCode":"14399840","address":{"city":"Cluj-Napoca","county":"RO-CJ"}}
            """);
        var patched = await _api.SendAsync("PATCH", "/api/clients/party_b", _admin, """
            {"address":{"street":"Str. Memorandumului 1","city":"Cluj-Napoca","county":"ro-cj","postalCode":"400114"},
             "tradeRegisterNumber":"J12/345/2019","billingEmail":"contabil@serban.ro"}
            """);

        Assert.Equal(201, created.Status);
        Assert.Equal("gross", created.Json.GetProperty("priceBasis").GetString());
        Assert.Equal(["address.street"], created.Json.GetProperty("buyerMissing").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(200, patched.Status);
        Assert.Empty(patched.Json.GetProperty("buyerMissing").EnumerateArray());
        Assert.Equal(("RO-CJ", "Cabinet Dr. Șerban SRL"),
            (patched.Json.GetProperty("address").GetProperty("county").GetString(), patched.Json.GetProperty("legalName").GetString()));
    }

    [Fact]
    public async Task Wrong_buyer_details_are_refused_field_by_field_and_change_nothing()
    {
        string? cityBefore;
        await using (var before = database.CreateContext())
        {
            // Another test of the class may have given party_a an address first: the refused PATCH must leave it as it was.
            cityBefore = (await before.Clients.AsNoTracking().SingleAsync(c => c.ClientId == "party_a")).City;
        }
        var badCui = await _api.SendAsync("POST", "/api/clients", _admin,
            """{"clientId":"party_c","name":"C","monthlyFee":1,"pricePerMinute":1,"fiscalCode":"14399841","billingEmail":"no-at-sign"}""");
        var badSector = await _api.SendAsync("PATCH", "/api/clients/party_a", _admin, """{"address":{"street":"X","city":"SECTOR9","county":"RO-B"}}""");
        var badBasis = await _api.SendAsync("PATCH", "/api/clients/party_a", _admin, """{"priceBasis":"both"}""");
        var person = await _api.SendAsync("PATCH", "/api/clients/party_a", _admin, """{"fiscalCode":"0000000000000","legalName":"Ion Popescu"}""");

        Assert.Equal((422, 422, 400, 200), (badCui.Status, badSector.Status, badBasis.Status, person.Status));
        Assert.Equal(["billingEmail", "fiscalCode"], badCui.Json.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal(["address.city"], badSector.Json.GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal("priceBasis", badBasis.Json.GetProperty("errors").EnumerateObject().Single().Name);
        await using var db = database.CreateContext();
        Assert.False(await db.Clients.AnyAsync(c => c.ClientId == "party_c"));
        var a = await db.Clients.SingleAsync(c => c.ClientId == "party_a");
        Assert.Equal(("0000000000000", cityBefore), (a.FiscalCode, a.City));
    }

    [Fact]
    public async Task The_cli_sets_and_shows_the_issuer_and_a_clients_buyer_details()
    {
        var cli = new CliRunner(database);
        var auditedBefore = await LastAuditIdAsync();

        var set = await cli.RunAsync("issuer", "set", "--legal-name", "Agenția Voce SRL", "--fiscal-code", "RO18547290", "--trade-register",
            "J40/1234/2020", "--street", "Str. Lipscani 10", "--city", "SECTOR3", "--county", "RO-B", "--iban", "RO49AAAA1B31007593840000",
            "--bank", "Banca Transilvania");
        var change = await cli.RunAsync("issuer", "set", "--phone", "+40 264 111 111");
        var wrong = await cli.RunAsync("issuer", "set", "--county", "RO-XX");
        var show = await cli.RunAsync("issuer", "show");
        var buyer = await cli.RunAsync("clients", "set", "party_a", "--legal-name", "Clinica A SRL", "--fiscal-code", "RO14399840",
            "--city", "Cluj-Napoca", "--county", "RO-CJ");

        Assert.Equal((0, 0, 2, 0, 0), (set.ExitCode, change.ExitCode, wrong.ExitCode, show.ExitCode, buyer.ExitCode));
        Assert.Contains("address.county", wrong.Error, StringComparison.Ordinal);
        Assert.Contains("RO18547290", show.Out, StringComparison.Ordinal);
        Assert.Contains("+40 264 111 111", show.Out, StringComparison.Ordinal);
        Assert.Contains("not exportable to e-Factura until it has: address.street", buyer.Out, StringComparison.Ordinal);
        await using var db = database.CreateContext();
        Assert.Equal(2, await db.AuditEntries.CountAsync(a => a.Entity == AuditEntities.Issuer && a.Id > auditedBefore && a.Actor.StartsWith("cli:")));
    }
}
