using System.Text.Json.Nodes;
using Billing.Domain.Clients;
using Billing.Tests.Infrastructure;
using Billing.Tests.Invoicing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Tests.Usage;

/// <summary>
/// Reconciliation recovers the missed calls of every mapping kind, not only assistants, from Vapi's recorded shapes
/// served over HTTP (<see cref="FakeVapi"/>, behind the real client, lister and recorder): a squad through its member
/// assistants read from GET /squad/{id} (GET /call has no squad filter), a phone number through GET /call's
/// <c>phoneNumberId</c> filter. Its own class database: the runs here bill only these clients.
/// </summary>
public sealed class ReconciliationMappingTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private const string SquadId = "5d7f3e91-2b4c-4a8e-9f16-c0a3b5e7d219"; // squad.json
    private const string PharmacyNumber = "0dfeb979-c78f-4542-ad28-ffc42dba95e2"; // calls-list-page.json's first call
    private const string ClinicNumber = "e106a1ff-5b7e-4d0c-9a61-3f2d8c4b7e15";

    private static Action<Client> MappedBy(VapiResourceKind kind, string vapiId) =>
        c => c.Assistants = [new ClientAssistant { Kind = kind, VapiId = vapiId, ClientId = c.ClientId }];

    private static JsonObject Through(JsonObject call, string? squadId = null, string? phoneNumberId = null)
    {
        call["squadId"] = squadId;
        call["phoneNumberId"] = phoneNumberId;
        return call;
    }

    [Fact]
    public async Task A_squad_clients_missed_calls_are_listed_through_the_squads_member_assistants()
    {
        var vapi = new FakeVapi();
        vapi.Squads[SquadId] = JsonNode.Parse(Fixtures.Vapi("squad.json"))!.AsObject();
        await using var scenario = vapi.Scenario(database);
        await scenario.ClientAsync("squad_clinic", billingStart: new DateOnly(2025, 11, 1), configure: MappedBy(VapiResourceKind.Squad, SquadId));
        vapi.Calls.Add(Through(FakeVapi.EndedCall("5a000001-0000-4000-8000-000000000001", "asst_squad_receptie_01", "2025-11-10T09:00:00Z", 120), SquadId));
        vapi.Calls.Add(Through(FakeVapi.EndedCall("5a000002-0000-4000-8000-000000000001", "asst_squad_programari_01", "2025-11-11T09:00:00Z", 60), SquadId));
        vapi.Calls.Add(Through(FakeVapi.EndedCall("5a000003-0000-4000-8000-000000000001", "asst_squad_programari_01", "2025-11-12T09:00:00Z", 45), SquadId));
        // The same member assistant answering alone, outside the squad: not this client's call.
        vapi.Calls.Add(FakeVapi.EndedCall("5a000004-0000-4000-8000-000000000001", "asst_squad_receptie_01", "2025-11-13T09:00:00Z", 600));

        var run = await scenario.RunAsync("2025-12-01T12:00:00Z", "squad_clinic");

        Assert.Equal(("ok", 3, 3), (run.Reconciliation, run.CallsFound, run.CallsInserted));
        var invoice = Assert.Single(run.Invoices);
        Assert.True(invoice.Reconciled);
        Assert.Equal((3, 4m, 800m + 4 * 0.56m), (invoice.TotalCalls, invoice.Minutes, invoice.Total));
        Assert.Contains(vapi.Requests, r => r.AbsolutePath == $"/squad/{SquadId}");
        Assert.Contains(vapi.Requests, r => r.Query.Contains("assistantId=asst_squad_receptie_01", StringComparison.Ordinal));
        Assert.Contains(vapi.Requests, r => r.Query.Contains("assistantId=asst_squad_programari_01", StringComparison.Ordinal));
        var billed = await scenario.BilledByAsync("squad_clinic");
        Assert.Equal(3, billed.Count);
        Assert.All(billed.Values, invoiceId => Assert.Equal(invoice.Id, invoiceId));
        await using (var db = database.CreateContext())
        {
            Assert.False(await db.UsageLogs.AnyAsync(u => u.CallId == "5a000004-0000-4000-8000-000000000001"));
        }

        // A rerun lists the same calls again and changes nothing.
        var rerun = await scenario.RunAsync("2025-12-02T12:00:00Z", clientId: null);
        Assert.Equal(("ok", 0), (rerun.Reconciliation, rerun.CallsInserted));
    }

    [Fact]
    public async Task A_phone_number_clients_missed_calls_are_listed_by_its_phone_number_whatever_assistant_answered()
    {
        var vapi = new FakeVapi();
        await using var scenario = vapi.Scenario(database);
        await scenario.ClientAsync("phone_pharmacy", billingStart: new DateOnly(2025, 11, 1),
            configure: MappedBy(VapiResourceKind.PhoneNumber, PharmacyNumber));
        // The recorded call as listed (saved assistant, this number; starts 23:58:51 local on 30 November, ends in December).
        var recorded = JsonNode.Parse(Fixtures.Vapi("calls-list-page.json"))!.AsArray()[0]!.DeepClone().AsObject();
        recorded["id"] = "9f000001-0000-4000-8000-000000000001";
        vapi.Calls.Add(recorded);
        // A transient assistant on the same number (no assistantId at all), and a call of another number.
        vapi.Calls.Add(Through(FakeVapi.EndedCall("9f000002-0000-4000-8000-000000000001", null, "2025-11-05T10:00:00Z", 60), phoneNumberId: PharmacyNumber));
        vapi.Calls.Add(Through(FakeVapi.EndedCall("9f000003-0000-4000-8000-000000000001", null, "2025-11-06T10:00:00Z", 600), phoneNumberId: ClinicNumber));

        var run = await scenario.RunAsync("2025-12-01T12:00:00Z", "phone_pharmacy");

        Assert.Equal(("ok", 2, 2), (run.Reconciliation, run.CallsFound, run.CallsInserted));
        var invoice = Assert.Single(run.Invoices);
        Assert.Equal((2, 3m, 800m + 3 * 0.56m), (invoice.TotalCalls, invoice.Minutes, invoice.Total));
        Assert.Contains(vapi.Requests, r => r.Query.Contains($"phoneNumberId={PharmacyNumber}", StringComparison.Ordinal));
        Assert.DoesNotContain(vapi.Requests, r => r.Query.Contains("assistantId=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_squad_vapi_no_longer_knows_is_not_an_outage_and_its_client_is_still_invoiced_reconciled()
    {
        var vapi = new FakeVapi();
        await using var scenario = vapi.Scenario(database);
        await scenario.ClientAsync("squad_gone", billingStart: new DateOnly(2025, 11, 1),
            configure: MappedBy(VapiResourceKind.Squad, "0e000000-0000-4000-8000-00000000dead"));

        var run = await scenario.RunAsync("2025-12-01T12:00:00Z", "squad_gone");

        Assert.Equal(("ok", 0), (run.Reconciliation, run.CallsFound));
        Assert.True(Assert.Single(run.Invoices).Reconciled);
        Assert.Contains(vapi.Requests, r => r.AbsolutePath == "/squad/0e000000-0000-4000-8000-00000000dead");
    }
}
