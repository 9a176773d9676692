using System.Text.Json;
using Billing.Domain.Access;
using Billing.Domain.Clients;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Cli;

public sealed class KeyCommandsTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private readonly CliRunner _cli = new(database);

    [Fact]
    public async Task An_operator_creates_lists_and_revokes_a_client_key()
    {
        await using (var db = database.CreateContext())
        {
            db.Clients.Add(new Client { ClientId = "shop_cli", Name = "Shop", MonthlyFee = 100m, PricePerMinute = 0.5m });
            await db.SaveChangesAsync();
        }

        var created = await _cli.RunAsync("keys", "create", "--name", "portal", "--scope", "client:shop_cli", "--json");
        Assert.Equal(0, created.ExitCode);
        using var json = JsonDocument.Parse(created.Out);
        var plainKey = json.RootElement.GetProperty("key").GetString()!;
        var id = json.RootElement.GetProperty("id").GetGuid();

        await using (var services = database.CreateServices())
        await using (var scope = services.CreateAsyncScope())
        {
            var caller = await scope.ServiceProvider.GetRequiredService<ApiKeyService>().AuthenticateAsync(plainKey, default);
            Assert.Equal(ApiKeyScope.Client, caller!.Scope);
            Assert.Equal("shop_cli", caller.ClientId);
        }

        var listed = await _cli.RunAsync("keys", "list");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains("client:shop_cli", listed.Out);
        Assert.DoesNotContain(plainKey, listed.Out);

        Assert.Equal(0, (await _cli.RunAsync("keys", "revoke", id.ToString())).ExitCode);
        var again = await _cli.RunAsync("keys", "revoke", id.ToString());
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("billing keys list", again.Error);
        await using var check = database.CreateContext();
        Assert.NotNull((await check.ApiKeys.SingleAsync(k => k.Id == id)).RevokedAt);
    }

    [Theory]
    [InlineData("superuser")]
    [InlineData("client:")]
    public async Task A_bad_scope_is_a_usage_error_that_says_what_is_allowed(string scope)
    {
        var result = await _cli.RunAsync("keys", "create", "--name", "x", "--scope", scope);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("admin, reporting or client:<clientId>", result.Error);
    }

    [Fact]
    public async Task A_key_for_an_unknown_client_is_refused()
    {
        var result = await _cli.RunAsync("keys", "create", "--name", "x", "--scope", "client:nobody");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nobody", result.Error);
    }

    [Fact]
    public async Task Db_migrate_on_a_migrated_database_says_it_is_up_to_date()
    {
        var result = await _cli.RunAsync("db", "migrate");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("up to date", result.Out);
    }

    [Fact]
    public async Task Db_script_prints_an_idempotent_script()
    {
        var result = await _cli.RunAsync("db", "script");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("CREATE TABLE \"Factura\"", result.Out);
        Assert.Contains("IF NOT EXISTS(SELECT 1 FROM \"__EFMigrationsHistory\"", result.Out);
    }
}
