using System.Text.Json.Nodes;
using Billing.Domain.Clients;
using Billing.Domain.Usage;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Tests.Usage.Webhooks;

/// <summary>Which client a call is billed to and at which terms, when assistants are mapped, moved or unmapped and rates change.</summary>
public sealed class WebhookAttributionTests(TestDatabase database) : WebhookTestBase(database)
{
    [Fact]
    public async Task An_unattributed_call_is_billed_once_its_assistant_is_mapped()
    {
        const string callId = "66666666-0000-4000-8000-000000000001";
        var body = WithCallId("end-of-call-report-success.json", callId, m => m["call"]!["assistantId"] = "asst_new_client_01");
        await PostAsync(body);
        var unattributed = Assert.Single(await RowsAsync(callId));
        Assert.Null(unattributed.ClientId);
        Assert.False(unattributed.Billable);

        await using (var db = Database.CreateContext())
        {
            db.ClientAssistants.Add(new ClientAssistant { VapiId = "asst_new_client_01", ClientId = "dr_serban" });
            await db.SaveChangesAsync();
        }
        await using (var scope = Services.CreateAsyncScope())
        {
            Assert.True(await scope.ServiceProvider.GetRequiredService<UsageMaintenance>().AttributeUnassignedCallsAsync(default) >= 1);
        }

        var attributed = Assert.Single(await RowsAsync(callId));
        Assert.Equal("dr_serban", attributed.ClientId);
        Assert.True(attributed.Billable);
        Assert.Equal(1.68m, attributed.Cost);
    }

    [Fact]
    public async Task Attribution_prefers_the_squad_to_the_phone_number_as_recording_does()
    {
        static void SquadAndNumber(JsonObject m)
        {
            m["call"]!["assistantId"] = "asst_unmapped_07";
            m["call"]!["squadId"] = "squad_pref_01";
            m["call"]!["phoneNumberId"] = "phone_pref_01";
        }
        const string before = "12121212-0000-4000-8000-000000000001", after = "12121212-0000-4000-8000-000000000002";
        Assert.Equal(200, (await PostAsync(WithCallId("end-of-call-report-success.json", before, SquadAndNumber))).Status);
        Assert.Null(Assert.Single(await RowsAsync(before)).ClientId);

        await using (var db = Database.CreateContext())
        {
            db.Clients.Add(new Client { ClientId = "pref_squad", Name = "Squad owner", MonthlyFee = 100m, PricePerMinute = 0.50m });
            db.Clients.Add(new Client { ClientId = "pref_phone", Name = "Number owner", MonthlyFee = 100m, PricePerMinute = 0.90m });
            // Inserted phone number first, so neither insertion order nor the kinds' alphabetical order picks the squad.
            db.ClientAssistants.Add(new ClientAssistant { Kind = VapiResourceKind.PhoneNumber, VapiId = "phone_pref_01", ClientId = "pref_phone" });
            await db.SaveChangesAsync();
            db.ClientAssistants.Add(new ClientAssistant { Kind = VapiResourceKind.Squad, VapiId = "squad_pref_01", ClientId = "pref_squad" });
            await db.SaveChangesAsync();
        }
        await using (var scope = Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UsageMaintenance>().AttributeUnassignedCallsAsync(default);
        }
        Assert.Equal(200, (await PostAsync(WithCallId("end-of-call-report-success.json", after, SquadAndNumber))).Status);

        var attributed = Assert.Single(await RowsAsync(before));
        var recorded = Assert.Single(await RowsAsync(after));
        Assert.Equal(("pref_squad", 1.50m), (attributed.ClientId, attributed.Cost)); // 3 billable minutes x 0.50
        Assert.Equal(("pref_squad", 1.50m), (recorded.ClientId, recorded.Cost));
    }

    [Fact]
    public async Task A_changed_rate_or_a_moved_assistant_prices_the_next_call_with_the_new_terms()
    {
        await using (var db = Database.CreateContext())
        {
            db.Clients.Add(new Client { ClientId = "terms_a", Name = "Terms A", MonthlyFee = 100m, PricePerMinute = 0.56m });
            db.Clients.Add(new Client { ClientId = "terms_b", Name = "Terms B", MonthlyFee = 100m, PricePerMinute = 0.90m });
            db.ClientAssistants.Add(new ClientAssistant { VapiId = "asst_terms_01", ClientId = "terms_a" });
            await db.SaveChangesAsync();
        }
        async Task<UsageLog> RecordAsync(string callId)
        {
            Assert.Equal(200, (await PostAsync(WithCallId("end-of-call-report-success.json", callId, m => m["call"]!["assistantId"] = "asst_terms_01"))).Status);
            return Assert.Single(await RowsAsync(callId));
        }

        var first = await RecordAsync("88888888-0000-4000-8000-000000000001");
        Assert.Equal(("terms_a", 1.68m), (first.ClientId, first.Cost)); // 3 billable minutes x 0.56

        await using (var db = Database.CreateContext())
        {
            // The rate of the terms row in force (the client's only one, from its first period).
            await db.ClientTerms.Where(t => t.ClientId == "terms_a").ExecuteUpdateAsync(t => t.SetProperty(x => x.PricePerMinute, 0.70m));
        }
        var afterRateChange = await RecordAsync("88888888-0000-4000-8000-000000000002");
        Assert.Equal(("terms_a", 2.10m), (afterRateChange.ClientId, afterRateChange.Cost));

        await using (var db = Database.CreateContext())
        {
            await db.ClientAssistants.Where(a => a.VapiId == "asst_terms_01").ExecuteUpdateAsync(a => a.SetProperty(x => x.ClientId, "terms_b"));
        }
        var afterMove = await RecordAsync("88888888-0000-4000-8000-000000000003");
        Assert.Equal(("terms_b", 2.70m), (afterMove.ClientId, afterMove.Cost));

        await using (var db = Database.CreateContext())
        {
            await db.ClientAssistants.Where(a => a.VapiId == "asst_terms_01").ExecuteDeleteAsync();
        }
        var afterUnmapping = await RecordAsync("88888888-0000-4000-8000-000000000004");
        Assert.Equal((null, 0m, false), (afterUnmapping.ClientId, afterUnmapping.Cost, afterUnmapping.Billable));
    }
}
