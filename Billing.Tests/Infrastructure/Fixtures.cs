using Billing.Domain.Clients;

namespace Billing.Tests.Infrastructure;

/// <summary>The Vapi payloads composed for this project (copied from shared/fixtures/vapi, with their README) and Stripe's events.</summary>
public static class Fixtures
{
    public static string Vapi(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "vapi", name));

    /// <summary>A Stripe event body as Stripe documents it (Fixtures/stripe, see its README).</summary>
    public static string Stripe(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "stripe", name));

    public static IEnumerable<string> StripeEventNames() =>
        Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Fixtures", "stripe"), "*.json").Select(Path.GetFileName).Order()!;

    public static IEnumerable<string> EndedReasons() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "vapi", "ended-reasons-sdk-2.0.1.txt"))
            .Select(l => l.Trim()).Where(l => l.Length > 0);

    /// <summary>The seed README's client: 800 RON a month, 0.56 RON a minute, its one assistant the fixtures' reports use.</summary>
    public static Client DrSerban() => new()
    {
        ClientId = "dr_serban",
        Name = "Clinica Dr. Șerban",
        MonthlyFee = 800m,
        PricePerMinute = 0.56m,
        Assistants = [new ClientAssistant { VapiId = "asst_clinica_serban_01", ClientId = "dr_serban" }],
    };
}
