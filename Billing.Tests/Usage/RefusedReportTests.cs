using System.Text;
using Billing.Domain.Clients;
using Billing.Domain.Usage;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Billing.Tests.Usage;

/// <summary>
/// Valid JSON that used to answer 500: descriptive fields are normalised and the call recorded; a billing field that is
/// unusable gets 422 naming it and the raw report is quarantined, then replayed once the cause is fixed.
/// </summary>
public sealed class RefusedReportTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 11, 14, 9, 15, 0, TimeSpan.Zero));
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _services = database.CreateServices(_clock, Webhook.Settings);
        await using var db = database.CreateContext();
        if (!await db.Clients.AnyAsync(c => c.ClientId == "dr_serban"))
        {
            db.Clients.Add(Fixtures.DrSerban());
            db.Clients.Add(new Client
            {
                ClientId = "pricey",
                Name = "Mistyped rate",
                MonthlyFee = 1m,
                PricePerMinute = 99_999_999.9999m,
                Assistants = [new ClientAssistant { VapiId = "asst_pricey", ClientId = "pricey" }],
            });
            await db.SaveChangesAsync();
        }
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    [Fact]
    public async Task An_over_long_ended_reason_with_NUL_and_a_lone_surrogate_is_normalised_and_the_call_recorded()
    {
        const string callId = "a1000000-0000-4000-8000-000000000001";
        var reason = "customer-ended-call\u0000" + new string('x', 300);
        var body = Webhook.Report(callId, change: m => m["endedReason"] = reason).Replace("\"customer-ended-call\\u0000", "\"customer-ended-call\\ud800\\u0000");

        var response = await Webhook.PostAsync(_services, body);

        Assert.Equal(200, response.Status);
        var row = await RowAsync(callId);
        Assert.Equal(VapiCallParser.MaxEndedReasonLength, row.EndedReason!.Length);
        Assert.StartsWith("customer-ended-call\uFFFDxxx", row.EndedReason);
        Assert.DoesNotContain('\0', row.EndedReason);
    }

    public static TheoryData<string, Action<System.Text.Json.Nodes.JsonObject>, string> BillingFields => new()
    {
        { "a2000000-0000-4000-8000-000000000001", m => m["cost"] = 123456789.5, "message.cost" },
        { "a2000000-0000-4000-8000-000000000002", m => m["cost"] = null, "message.costs" },
        { "a2000000-0000-4000-8000-000000000003", m => m["startedAt"] = "9999-12-31T23:59:59Z", "message.startedAt" },
    };

    [Theory]
    [MemberData(nameof(BillingFields))]
    public async Task An_unusable_billing_field_gets_422_naming_it_and_the_report_is_quarantined(string callId,
        Action<System.Text.Json.Nodes.JsonObject> change, string field)
    {
        var body = Webhook.Report(callId, change: m =>
        {
            change(m);
            // Three costs that each fit the column but together do not.
            m["costs"] = new System.Text.Json.Nodes.JsonArray(Enumerable.Range(0, 3)
                .Select(_ => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonObject { ["type"] = "model", ["cost"] = 50_000_000m }).ToArray());
            if (field != "message.costs")
            {
                m.Remove("costs");
            }
        });

        var response = await Webhook.PostAsync(_services, body);

        Assert.Equal(422, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), response.Body);
        Assert.Null(await FindRowAsync(callId));
        await using var db = database.CreateContext();
        var kept = await db.QuarantinedReports.SingleAsync(q => q.CallId == callId);
        Assert.Equal(Encoding.UTF8.GetBytes(body), new RawReport(kept.PayloadGzip, kept.PayloadSha256, kept.PayloadBytes).Decompress());
        Assert.Contains(field, kept.Reason);

        Assert.Equal(422, (await Webhook.PostAsync(_services, body)).Status);
        Assert.Equal(1, await db.QuarantinedReports.CountAsync(q => q.CallId == callId));
    }

    [Fact]
    public async Task A_lone_surrogate_in_the_call_id_is_refused_by_name_not_a_500()
    {
        var body = Webhook.Report("placeholder-id").Replace("placeholder-id", "bad-\\udc00-id");

        var response = await Webhook.PostAsync(_services, body);

        Assert.Equal(422, response.Status);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty("message.call.id", out _), response.Body);
    }

    [Fact]
    public async Task A_call_whose_price_overflows_its_column_is_quarantined_and_replayed_once_the_rate_is_fixed()
    {
        const string callId = "a3000000-0000-4000-8000-000000000001";
        var body = Webhook.Report(callId, assistantId: "asst_pricey");

        var refused = await Webhook.PostAsync(_services, body);
        Assert.Equal(422, refused.Status);
        Assert.True(refused.Json.GetProperty("errors").TryGetProperty("cost", out _), refused.Body);
        Assert.Null(await FindRowAsync(callId));

        await using (var scope = _services.CreateAsyncScope())
        {
            var replay = scope.ServiceProvider.GetRequiredService<QuarantineReplay>();
            var open = await replay.ListAsync(includeReplayed: false, 100, default);
            var entry = Assert.Single(open, e => e.CallId == callId);
            var stillRefused = await replay.ReplayAsync(entry.Id, default);
            Assert.False(Assert.Single(stillRefused!).Recorded);

            await scope.ServiceProvider.GetRequiredService<ClientService>()
                .ChangeAsync("pricey", new ClientService.ClientChanges(PricePerMinute: 0.5m), Billing.Domain.Audit.Actor.Cli("test"), default);
            var replayed = await replay.ReplayAsync(null, default);
            Assert.Contains(replayed!, r => r.Id == entry.Id && r.Recorded && r.Outcome == "inserted");
            Assert.DoesNotContain(await replay.ListAsync(includeReplayed: false, 100, default), e => e.Id == entry.Id);
            Assert.DoesNotContain((await replay.ReplayAsync(null, default))!, r => r.Id == entry.Id);
        }
        var row = await RowAsync(callId);
        Assert.Equal("pricey", row.ClientId);
        Assert.Equal(3 * 0.5m, row.Cost);
    }

    private async Task<UsageLog> RowAsync(string callId) => await FindRowAsync(callId) ?? throw new Xunit.Sdk.XunitException($"No row for {callId}");

    private async Task<UsageLog?> FindRowAsync(string callId)
    {
        await using var db = database.CreateContext();
        return await db.UsageLogs.AsNoTracking().SingleOrDefaultAsync(u => u.CallId == callId);
    }
}
