using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Billing.Domain.Parties;

namespace Billing.Cli.Demo;

/// <summary>A sample client of the demo, with the Vapi assistant that answers its calls.</summary>
internal sealed record DemoClient(string ClientId, string Name, string Email, decimal MonthlyFee, decimal PricePerMinute, int BillingDay,
    string AssistantId, string PhoneNumberId, int CallsPerMonth, string[] Tools);

/// <summary>
/// A month of realistic, deterministic Vapi end-of-call reports for the demo clients: business-hours calls,
/// mostly answered, some unanswered, a few provider faults, tool calls, Vapi's per-item costs in USD. The same
/// month always gives the same calls (ids included), so feeding it twice changes nothing.
/// </summary>
internal static class DemoMonth
{
    public static readonly DemoClient[] Clients =
    [
        new("dr_serban", "Clinica Dr. Șerban", "receptie@clinica-serban.test", 800.00m, 0.56m, 1, "asst_clinica_serban_01", "e106a1ff-3c55-4b6e-9a3e-1f7c2d8b4a10", 60,
            ["checkAvailability", "bookAppointment", "cancelAppointment"]),
        new("farmacia_verde", "Farmacia Verde", "contabilitate@farmacia-verde.test", 450.00m, 0.48m, 1, "asst_farmacia_verde_01", "0dfeb979-8a51-4b1a-a1b6-2c0e6f5d7e21", 45,
            ["checkStock", "reserveProduct"]),
        new("salon_bella", "Salon Bella", "programari@salon-bella.test", 300.00m, 0.62m, 1, "asst_salon_bella_01", "7c41d2e0-5b8f-4f0a-b3d9-6e2a1c9f8b32", 30,
            ["checkAvailability", "bookAppointment"]),
    ];

    /// <summary>The demo agency as issuer: a VAT payer in Bucharest (sample identifiers with valid check digits).</summary>
    public static readonly IssuerDetails Issuer = new("Agenția Demo Voce SRL", "RO18547290", VatPayer: true, VatOnReceipt: false, "J40/1234/2020",
        new PostalAddress("Str. Lipscani 10", "SECTOR3", "RO-B", "030031"), "RO49AAAA1B31007593840000", "Banca Demo", "facturi@agentia-demo.test",
        "+40 21 000 0000", null);

    /// <summary>Each sample client as buyer, complete, so the demo's invoices are exportable.</summary>
    public static readonly IReadOnlyDictionary<string, BuyerDetails> Buyers = new Dictionary<string, BuyerDetails>
    {
        ["dr_serban"] = new("Cabinet Medical Dr. Șerban SRL", "RO14399840", "J12/345/2019",
            new PostalAddress("Str. Memorandumului 1", "Cluj-Napoca", "RO-CJ", "400114"), "contabilitate@clinica-serban.test"),
        ["farmacia_verde"] = new("Farmacia Verde SRL", "6859662", "J40/6789/2015",
            new PostalAddress("Bd. Unirii 5", "SECTOR4", "RO-B", "040105"), "contabilitate@farmacia-verde.test"),
        ["salon_bella"] = new("Salon Bella SRL", "4221306", "J22/111/2021",
            new PostalAddress("Str. Lăpușneanu 3", "Iași", "RO-IS", "700057"), "programari@salon-bella.test"),
    };

    private const string OrgId = "4c562c78-0a7e-4d7a-9b65-2f1e8c3d5a90";
    private static readonly TimeZoneInfo Bucharest = TimeZoneInfo.FindSystemTimeZoneById("Europe/Bucharest");

    /// <summary>Each call of the month as (call id, the JSON body Vapi would POST).</summary>
    public static IEnumerable<(string CallId, string Body)> Reports(int year, int month)
    {
        foreach (var client in Clients)
        {
            var random = new Random(HashCode(client.ClientId, year, month));
            var days = DateTime.DaysInMonth(year, month);
            for (var n = 0; n < client.CallsPerMonth; n++)
            {
                var day = 1 + random.Next(days);
                var local = new DateTime(year, month, day, 8 + random.Next(10), random.Next(60), random.Next(60), DateTimeKind.Unspecified)
                    .AddMilliseconds(random.Next(1000));
                var created = new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, Bucharest));
                var callId = DeterministicGuid($"{client.ClientId}/{year}-{month}/{n}").ToString();
                yield return (callId, Report(client, callId, created, random).ToJsonString());
            }
        }
    }

    private static JsonObject Report(DemoClient client, string callId, DateTimeOffset created, Random random)
    {
        var roll = random.NextDouble();
        var (endedReason, connected) = roll switch
        {
            < 0.08 => ("customer-did-not-answer", false),
            < 0.11 => ("call.in-progress.error-providerfault-openai-llm-failed", true),
            < 0.35 => ("assistant-ended-call", true),
            _ => ("customer-ended-call", true),
        };
        var seconds = connected ? Math.Round(15 + random.NextDouble() * 280, 3) : 0;
        if (endedReason.Contains("fault", StringComparison.Ordinal))
        {
            seconds = Math.Round(3 + random.NextDouble() * 10, 3);
        }
        var started = created.AddMilliseconds(1200 + random.Next(800));
        var ended = connected ? started.AddMilliseconds(seconds * 1000) : created.AddSeconds(30);
        var minutes = Math.Round((decimal)seconds / 60m, 4);
        var tools = connected ? client.Tools.Where(_ => random.NextDouble() < 0.5).ToArray() : [];

        var message = new JsonObject
        {
            ["type"] = "end-of-call-report",
            ["timestamp"] = ended.AddSeconds(4).ToUnixTimeMilliseconds(),
            ["endedReason"] = endedReason,
            ["cost"] = connected ? Math.Round(minutes * 0.1133m + 0.0021m * tools.Length, 6) : 0m,
            ["costs"] = connected
                ? new JsonArray(
                    new JsonObject { ["type"] = "transport", ["provider"] = "twilio", ["minutes"] = minutes, ["cost"] = Math.Round(minutes * 0.0085m, 6) },
                    new JsonObject { ["type"] = "vapi", ["subType"] = "normal", ["minutes"] = minutes, ["cost"] = Math.Round(minutes * 0.05m, 6) })
                : new JsonArray(),
            ["artifact"] = new JsonObject
            {
                ["messages"] = new JsonArray(tools.Select((tool, i) => (JsonNode)new JsonObject
                {
                    ["role"] = "tool_calls",
                    ["message"] = "",
                    ["time"] = started.AddSeconds(10 + 20 * i).ToUnixTimeMilliseconds(),
                    ["secondsFromStart"] = 10 + 20 * i,
                    ["toolCalls"] = new JsonArray(new JsonObject
                    {
                        ["id"] = $"call_{i}_{callId[..8]}",
                        ["type"] = "function",
                        ["function"] = new JsonObject { ["name"] = tool, ["arguments"] = "{}" },
                    }),
                }).ToArray()),
                ["transcript"] = connected ? "AI: Bună ziua, cu ce vă pot ajuta?\nUser: Aș dori o programare." : "",
            },
            ["analysis"] = new JsonObject(),
            ["call"] = new JsonObject
            {
                ["id"] = callId,
                ["orgId"] = OrgId,
                ["createdAt"] = Iso(created),
                ["updatedAt"] = Iso(created),
                ["type"] = "inboundPhoneCall",
                ["status"] = "queued",
                ["assistantId"] = client.AssistantId,
                ["phoneNumberId"] = client.PhoneNumberId,
            },
        };
        if (connected)
        {
            message["startedAt"] = Iso(started);
        }
        message["endedAt"] = Iso(ended);
        return new JsonObject { ["message"] = message };
    }

    private static string Iso(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static int HashCode(string clientId, int year, int month) =>
        BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{clientId}/{year}/{month}")));

    private static Guid DeterministicGuid(string name)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(name))[..16];
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 layout, so it looks like Vapi's ids
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes);
    }
}
