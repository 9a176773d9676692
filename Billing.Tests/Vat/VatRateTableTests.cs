using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Tests.Cli;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Vat;

/// <summary>The VAT rates as data: seeded by the migration, edited by admins through the API and the CLI, never overlapping.</summary>
public sealed class VatRateTableTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private ServiceProvider _services = null!;
    private Api _api = null!;
    private string _admin = "";
    private string _reporting = "";

    public async ValueTask InitializeAsync()
    {
        _services = database.CreateServices();
        _api = new Api(_services);
        await using var scope = _services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        _admin = (await keys.CreateAsync("admin", ApiKeyScope.Admin, null, null, default)).PlainKey;
        _reporting = (await keys.CreateAsync("bi", ApiKeyScope.Reporting, null, null, default)).PlainKey;
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private async Task<List<string>> RatesAsync()
    {
        var response = await _api.GetAsync("/api/vat-rates", _reporting);
        Assert.Equal(200, response.Status);
        return response.Json.GetProperty("items").EnumerateArray()
            .Select(r => $"{r.GetProperty("kind").GetString()} {r.GetProperty("percent").GetString()} {r.GetProperty("validFrom").GetString()}..{r.GetProperty("validTo").GetString()}")
            .ToList();
    }

    [Fact]
    public async Task The_migration_seeds_19_until_july_2025_then_21_and_the_reduced_11()
    {
        await using (var db = database.CreateContext())
        {
            await db.VatRates.Where(r => r.ValidFrom > new DateOnly(2025, 8, 1)).ExecuteDeleteAsync(); // other tests of this class add some
            await db.VatRates.Where(r => r.ValidFrom == new DateOnly(2025, 8, 1)).ExecuteUpdateAsync(s => s.SetProperty(r => r.ValidTo, (DateOnly?)null));
        }

        Assert.Equal(["standard 19.00 2017-01-01..2025-07-31", "standard 21.00 2025-08-01..", "reduced 11.00 2025-08-01.."], await RatesAsync());
    }

    [Fact]
    public async Task A_new_rate_closes_the_one_in_force_the_day_before_and_overlaps_are_refused()
    {
        var set = await _api.SendAsync("PUT", "/api/vat-rates", _admin, """{"kind":"reduced","percent":12,"validFrom":"2027-01-01"}""");
        var correction = await _api.SendAsync("PUT", "/api/vat-rates", _admin, """{"kind":"reduced","percent":12.5,"validFrom":"2027-01-01"}""");
        var overlapping = await _api.SendAsync("PUT", "/api/vat-rates", _admin,
            """{"kind":"reduced","percent":10,"validFrom":"2026-06-01","validTo":"2027-06-30"}""");
        var tooHigh = await _api.SendAsync("PUT", "/api/vat-rates", _admin, """{"kind":"standard","percent":100,"validFrom":"2028-01-01"}""");
        var byReporting = await _api.SendAsync("PUT", "/api/vat-rates", _reporting, """{"kind":"standard","percent":1,"validFrom":"2028-01-01"}""");

        Assert.Equal((200, 200, 422, 422, 403), (set.Status, correction.Status, overlapping.Status, tooHigh.Status, byReporting.Status));
        Assert.Equal("validTo", overlapping.Json.GetProperty("errors").EnumerateObject().Single().Name);
        Assert.Equal("percent", tooHigh.Json.GetProperty("errors").EnumerateObject().Single().Name);
        var rates = await RatesAsync();
        Assert.Contains("reduced 11.00 2025-08-01..2026-12-31", rates);
        Assert.Contains("reduced 12.50 2027-01-01..", rates);
        await using var db = database.CreateContext();
        var audit = await db.AuditEntries.Where(a => a.Entity == AuditEntities.VatRate && a.EntityId.StartsWith("reduced:")).OrderBy(a => a.Id).Select(a => a.Action).ToListAsync();
        Assert.Equal(["closed", "created", "changed"], audit);
    }

    [Fact]
    public async Task The_cli_lists_and_sets_rates()
    {
        var cli = new CliRunner(database);

        var set = await cli.RunAsync("vat-rates", "set", "--kind", "standard", "--percent", "23", "--from", "2030-01-01");
        var wrong = await cli.RunAsync("vat-rates", "set", "--kind", "super", "--percent", "23", "--from", "2030-01-01");
        var list = await cli.RunAsync("vat-rates", "list");

        Assert.Equal((0, 2, 0), (set.ExitCode, wrong.ExitCode, list.ExitCode));
        Assert.Contains("2029-12-31", list.Out, StringComparison.Ordinal);
        Assert.Contains("2030-01-01", list.Out, StringComparison.Ordinal);
    }
}
