namespace Billing.Tests.Infrastructure;

/// <summary>The Vapi payloads composed for this project (copied from shared/fixtures/vapi, with their README).</summary>
public static class Fixtures
{
    public static string Vapi(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "vapi", name));

    public static IEnumerable<string> EndedReasons() =>
        File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Fixtures", "vapi", "ended-reasons-sdk-2.0.1.txt"))
            .Select(l => l.Trim()).Where(l => l.Length > 0);
}
