using System.Text.Json;
using Billing.Domain.Access;
using Billing.Domain.Invoicing;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Payments;

/// <summary>Clients billed a fixed fee (no calls) for October and November 2025 through the real cycle, an admin key and the API.</summary>
public sealed class PaymentWorld : IAsyncDisposable
{
    private readonly TestDatabase _database;

    private PaymentWorld(TestDatabase database, Dictionary<string, string?>? settings, Action<IServiceCollection>? configure)
    {
        _database = database;
        Scenario = new BillingScenario(database, settings, configure: configure);
        Api = new Api(Scenario.Services);
    }

    public BillingScenario Scenario { get; }
    public Api Api { get; }
    public string AdminKey { get; private set; } = "";

    /// <param name="settings">Extra configuration (Stripe's, for card payments).</param>
    /// <param name="configure">Service overrides (a substitute of the Stripe API).</param>
    public static async Task<PaymentWorld> CreateAsync(TestDatabase database, Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? configure = null)
    {
        var world = new PaymentWorld(database, settings, configure);
        await using var scope = world.Scenario.Services.CreateAsyncScope();
        world.AdminKey = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync("admin", ApiKeyScope.Admin, null, null, default)).PlainKey;
        return world;
    }

    /// <summary>A client billed <paramref name="fee"/> for October and November; returns November's invoice (due 16 December).</summary>
    public async Task<Invoice> InvoiceAsync(string clientId, decimal fee = 1000m, bool allowCredit = false)
    {
        await Scenario.ClientAsync(clientId, fee: fee, configure: c => c.AllowCredit = allowCredit);
        await Scenario.RunAsync("2025-12-01T12:00:00Z", clientId);
        Scenario.Clock.SetUtcNow(DateTimeOffset.Parse("2025-12-02T08:00:00Z"));
        return (await Scenario.InvoicesAsync(clientId)).Single(i => i.Period == "2025-11");
    }

    public async Task<Invoice> ReloadAsync(Guid invoiceId)
    {
        await using var db = _database.CreateContext();
        return await db.Invoices.AsNoTracking().SingleAsync(i => i.Id == invoiceId);
    }

    public Task<HttpTesting.Response> PayAsync(Guid invoiceId, string body, string? idempotencyKey = null, string? key = null) =>
        Api.SendAsync("POST", $"/api/invoices/{invoiceId}/payments", key ?? AdminKey, body,
            new Dictionary<string, string> { ["Idempotency-Key"] = idempotencyKey ?? Guid.NewGuid().ToString() });

    public Task<HttpTesting.Response> SendAsync(string method, string path, string? body = null) => Api.SendAsync(method, path, AdminKey, body);

    public async Task<JsonElement> InvoiceViewAsync(Guid invoiceId) =>
        (await Api.GetAsync($"/api/invoices/{invoiceId}", AdminKey)).Json.GetProperty("invoice");

    public ValueTask DisposeAsync() => Scenario.DisposeAsync();
}
