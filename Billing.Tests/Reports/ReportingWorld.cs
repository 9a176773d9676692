using Billing.Domain.Access;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Reports;

/// <summary>
/// Two clinics billed through the real cycle for October and November 2025, with tools, Vapi costs, an
/// unattributed call and an NBR rate for November only; and a key of each kind. Ids are prefixed, so several
/// worlds can share a database.
/// </summary>
public sealed class ReportingWorld : IAsyncDisposable
{
    private ReportingWorld(BillingScenario scenario, string prefix)
    {
        Scenario = scenario;
        A = prefix + "_a";
        B = prefix + "_b";
        Api = new Api(scenario.Services);
    }

    public BillingScenario Scenario { get; }
    public Api Api { get; }
    public string A { get; }
    public string B { get; }
    public string AdminKey { get; private set; } = "";
    public string ReportingKey { get; private set; } = "";
    public string KeyA { get; private set; } = "";
    public string KeyB { get; private set; } = "";
    public List<string> CallsA { get; } = [];
    public List<string> CallsB { get; } = [];
    public string UnattributedCall { get; private set; } = "";

    public static async Task<ReportingWorld> CreateAsync(TestDatabase database, string prefix, Action<IServiceCollection>? configure = null)
    {
        var world = new ReportingWorld(new BillingScenario(database, configure: configure), prefix);
        await world.SeedAsync();
        return world;
    }

    private async Task SeedAsync()
    {
        await Scenario.ClientAsync(A, fee: 800m, rate: 0.56m);
        await Scenario.ClientAsync(B, fee: 500m, rate: 0.40m);
        CallsA.Add(await Scenario.CallAsync(A, "2025-10-15T09:00:00Z", 120, tools: ["bookAppointment", "checkCalendar"], vapiCost: 0.20m));
        CallsA.Add(await Scenario.CallAsync(A, "2025-11-03T09:00:00Z", 600, tools: ["bookAppointment"], vapiCost: 1.10m));
        CallsA.Add(await Scenario.CallAsync(A, "2025-11-20T09:00:00Z", 61, tools: ["bookAppointment", "transferCall"], vapiCost: 0.15m));
        CallsB.Add(await Scenario.CallAsync(B, "2025-10-20T12:00:00Z", 300, tools: ["orderStatus"], vapiCost: 0.50m));
        CallsB.Add(await Scenario.CallAsync(B, "2025-11-11T12:00:00Z", 180, tools: ["orderStatus"], vapiCost: null));
        UnattributedCall = await Scenario.CallAsync(A, "2025-11-12T12:00:00Z", 60, assistantId: "asst_nobody_" + A);

        await Scenario.RunAsync("2025-11-01T12:00:00Z", A);
        await Scenario.RunAsync("2025-11-01T12:00:00Z", B);
        await Scenario.RunAsync("2025-12-01T12:00:00Z", A);
        await Scenario.RunAsync("2025-12-01T12:00:00Z", B);
        Scenario.Clock.SetUtcNow(DateTimeOffset.Parse("2025-12-02T08:00:00Z"));

        await using var scope = Scenario.Services.CreateAsyncScope();
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        AdminKey = (await keys.CreateAsync("admin", ApiKeyScope.Admin, null, null, default)).PlainKey;
        ReportingKey = (await keys.CreateAsync("bi", ApiKeyScope.Reporting, null, null, default)).PlainKey;
        KeyA = (await keys.CreateAsync("portal a", ApiKeyScope.Client, A, null, default)).PlainKey;
        KeyB = (await keys.CreateAsync("portal b", ApiKeyScope.Client, B, null, default)).PlainKey;
        var rates = scope.ServiceProvider.GetRequiredService<Billing.Domain.Reports.ExchangeRates>();
        await rates.SetAsync(new DateOnly(2025, 11, 28), "USD", "RON", 4.3731m, "BNR", default);
    }

    public async Task<List<System.Text.Json.JsonElement>> ItemsAsync(string pathAndQuery, string key)
    {
        var response = await Api.GetAsync(pathAndQuery, key);
        Assert.Equal(200, response.Status);
        return response.Json.GetProperty("items").EnumerateArray().ToList();
    }

    public ValueTask DisposeAsync() => Scenario.DisposeAsync();
}
