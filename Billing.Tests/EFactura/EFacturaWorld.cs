using System.Text;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Billing.Domain.Parties;
using Billing.Domain.Vat;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Billing.Tests.Parties;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.EFactura;

/// <summary>The e-Factura tests' vocabulary: the issuer, dr_serban as a complete buyer, and its November 2025 issued by the real cycle.</summary>
public static class EFacturaWorld
{
    public static async Task SetIssuerAsync(BillingScenario scenario)
    {
        await using var scope = scenario.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<IssuerService>().SetAsync(PartyRulesTests.ValidIssuer(), Actor.System, default);
    }

    public static void DrSerbanBuyer(Client c) => c.Buyer = new BuyerDetails("Cabinet Dr. Șerban SRL", "RO14399840", "J12/345/2019",
        new PostalAddress("Str. Memorandumului 1", "Cluj-Napoca", "RO-CJ", "400114"), "contabil@serban.ro");

    /// <summary>dr_serban's November 2025: two calls of an hour (120 minutes at 0.56) and the 800 fee, issued on 1 December.</summary>
    public static async Task<Invoice> NovemberAsync(BillingScenario scenario, string clientId, PriceBasis basis = PriceBasis.Net,
        Action<Client>? configure = null, Func<Task>? beforeRun = null, DateOnly? billingStart = null)
    {
        await SetIssuerAsync(scenario);
        await scenario.ClientAsync(clientId, fee: 800m, rate: 0.56m, billingStart: billingStart ?? new DateOnly(2025, 11, 1), configure: c =>
        {
            c.Name = "Clinica Dr. Șerban";
            DrSerbanBuyer(c);
            c.PriceBasis = basis;
            configure?.Invoke(c);
        });
        await scenario.CallAsync(clientId, "2025-11-10T09:00:00Z", 3600);
        await scenario.CallAsync(clientId, "2025-11-20T09:00:00Z", 3600);
        if (beforeRun is not null)
        {
            await beforeRun();
        }
        await scenario.RunAsync("2025-12-01T12:00:00Z", clientId);
        return (await scenario.InvoicesAsync(clientId)).Single(i => i.Period == "2025-11");
    }

    /// <summary>Compares a document with its golden file, its own numbers made the golden ones; BILLING_UPDATE_GOLDEN=1 rewrites the file instead.</summary>
    public static void AssertGolden(string name, byte[] content, params (string Actual, string Golden)[] numbers)
    {
        var actual = numbers.Aggregate(Encoding.UTF8.GetString(content), (text, n) => text.Replace(n.Actual, n.Golden, StringComparison.Ordinal));
        var path = RepositoryRoot.Combine("Billing.Tests", "EFactura", "Golden", name);
        if (Environment.GetEnvironmentVariable("BILLING_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(path, actual, new UTF8Encoding(false));
        }
        Assert.Equal(File.ReadAllText(path, Encoding.UTF8), actual);
    }

    /// <summary>
    /// Three invoices of November 2025 (fee 100, no calls), one of each other kind we issue: in euro with its VAT in RON
    /// (BNR 5.0889 of 28 November), reverse charged to a buyer abroad, and not subject to VAT (the issuer then stops
    /// being a VAT payer).
    /// </summary>
    public static async Task<(Invoice Euro, Invoice Abroad, Invoice NotSubject)> OtherKindsAsync(BillingScenario scenario, string prefix)
    {
        await SetIssuerAsync(scenario);
        await scenario.ClientAsync(prefix + "_eur", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 11, 1), configure: c =>
        {
            DrSerbanBuyer(c);
            c.Currency = "EUR";
        });
        await scenario.ClientAsync(prefix + "_ae", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 11, 1), configure: c =>
        {
            c.Currency = "EUR";
            c.Buyer = new BuyerDetails("Praxis GmbH", "DE123456789", null, new PostalAddress("Hauptstr. 1", "Berlin", null, "10115", "DE"), null);
        });
        await scenario.ClientAsync(prefix + "_o", fee: 100m, rate: 1m, billingStart: new DateOnly(2025, 11, 1), configure: DrSerbanBuyer);
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<Billing.Domain.Reports.ExchangeRates>()
                .SetAsync(new DateOnly(2025, 11, 28), "EUR", "RON", 5.0889m, Billing.Domain.Reports.ExchangeRates.NbrSource, default);
        }
        await scenario.RunAsync("2025-12-01T12:00:00Z", prefix + "_eur");
        await scenario.RunAsync("2025-12-01T12:00:00Z", prefix + "_ae");
        await using (var scope = scenario.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IssuerService>().SetAsync(PartyRulesTests.ValidIssuer() with
            {
                FiscalCode = "18547290",
                VatPayer = false,
                VatExemptionReason = "Neplătitor de TVA (art. 310 Cod fiscal)",
            }, Actor.System, default);
        }
        await scenario.RunAsync("2025-12-01T12:00:00Z", prefix + "_o");
        return ((await scenario.InvoicesAsync(prefix + "_eur")).Single(), (await scenario.InvoicesAsync(prefix + "_ae")).Single(),
            (await scenario.InvoicesAsync(prefix + "_o")).Single());
    }

    public static async Task<string> KeyAsync(BillingScenario scenario, ApiKeyScope scope = ApiKeyScope.Admin, string? clientId = null)
    {
        await using var services = scenario.Services.CreateAsyncScope();
        return (await services.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync($"key {Guid.NewGuid():N}", scope, clientId, null, default)).PlainKey;
    }
}
