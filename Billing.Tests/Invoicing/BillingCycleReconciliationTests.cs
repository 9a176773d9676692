using System.Net;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace Billing.Tests.Invoicing;

/// <summary>
/// Reconciliation inside the cycle with Vapi substituted at the HTTP level: the real typed client, resilience pipeline,
/// lister and recorder talk to a fake GET /call that pages like Vapi (bare array, newest first, at most <c>limit</c>).
/// </summary>
public sealed class BillingCycleReconciliationTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static HttpResponseMessage TooManyRequests()
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(1));
        return response;
    }

    [Fact]
    public async Task Calls_whose_webhook_never_came_are_recovered_through_429s_and_full_pages_before_the_period_is_invoiced()
    {
        var vapi = new FakeVapi();
        await using var scenario = vapi.Scenario(database);
        await scenario.ClientAsync("paged", billingStart: new DateOnly(2025, 11, 1));
        var received = await scenario.CallAsync("paged", "2025-11-03T10:00:00Z", 60); // the webhook came for this one
        vapi.Calls.Add(FakeVapi.EndedCall(received, "asst_paged", "2025-11-03T10:00:00Z", 60));
        for (var day = 10; day <= 13; day++)
        {
            vapi.Calls.Add(FakeVapi.EndedCall($"0000000{day}-0000-4000-8000-000000000001", "asst_paged", $"2025-11-{day}T10:00:00Z", 120));
        }
        vapi.Calls.Add(FakeVapi.EndedCall("00000099-0000-4000-8000-000000000001", "asst_other", "2025-11-05T10:00:00Z", 600)); // not this client's
        vapi.Before.Enqueue(TooManyRequests);

        var run = await scenario.RunAsync("2025-12-01T12:00:00Z", "paged");

        Assert.Equal(("ok", 5, 4), (run.Reconciliation, run.CallsFound, run.CallsInserted));
        var invoice = Assert.Single(run.Invoices);
        Assert.True(invoice.Reconciled);
        Assert.Equal((5, 9m, 800m + 9 * 0.56m), (invoice.TotalCalls, invoice.Minutes, invoice.Total));
        Assert.True(vapi.Requests.Count >= 4, $"5 calls in pages of 2 need several requests, after a 429; saw {vapi.Requests.Count}");
    }

    [Fact]
    public async Task While_vapi_answers_500_or_times_out_invoices_are_issued_unreconciled_and_the_missed_calls_come_as_late_usage()
    {
        var vapi = new FakeVapi();
        static HttpResponseMessage ServerError() => new(HttpStatusCode.InternalServerError);
        static HttpResponseMessage Timeout() => throw new TaskCanceledException("Vapi did not answer in time");
        await using var scenario = vapi.Scenario(database);
        await scenario.ClientAsync("outage", billingStart: new DateOnly(2025, 11, 1));
        await scenario.CallAsync("outage", "2025-11-03T10:00:00Z", 60);
        vapi.Calls.Add(FakeVapi.EndedCall("00001120-0000-4000-8000-000000000002", "asst_outage", "2025-11-20T10:00:00Z", 180));
        vapi.Calls.Add(FakeVapi.EndedCall("00000120-0000-4000-8000-000000000002", "asst_outage", "2026-01-20T10:00:00Z", 120));

        vapi.Always = ServerError;
        var november = await scenario.RunAsync("2025-12-01T12:00:00Z", clientId: null);
        vapi.Always = null;
        var daily = await scenario.RunAsync("2025-12-02T12:00:00Z", clientId: null); // nothing due: the daily reconciliation
        var december = await scenario.RunAsync("2026-01-01T12:00:00Z", clientId: null);
        vapi.Always = Timeout;
        var january = await scenario.RunAsync("2026-02-01T12:00:00Z", clientId: null);
        vapi.Always = null;
        var recovered = await scenario.RunAsync("2026-02-01T13:00:00Z", clientId: null);
        var february = await scenario.RunAsync("2026-03-01T12:00:00Z", clientId: null);

        Assert.Equal(["failed", "ok", "ok", "failed", "ok", "ok"],
            new[] { november, daily, december, january, recovered, february }.Select(r => r.Reconciliation));
        Assert.Equal((false, 1, 800.56m), (november.Invoices[0].Reconciled, november.Invoices[0].TotalCalls, november.Invoices[0].Total));
        Assert.Equal(1, daily.CallsInserted);
        var novemberLine = Assert.Single(december.Invoices[0].LateUsage);
        Assert.Equal(("2025-11", 1, 3m, 1.68m), (novemberLine.OriginalPeriod, novemberLine.Calls, novemberLine.Minutes, novemberLine.Amount));
        Assert.Equal((true, 801.68m), (december.Invoices[0].Reconciled, december.Invoices[0].Total));
        Assert.Equal((false, 0, 800m), (january.Invoices[0].Reconciled, january.Invoices[0].TotalCalls, january.Invoices[0].Total));
        Assert.Equal(1, recovered.CallsInserted);
        var januaryLine = Assert.Single(february.Invoices[0].LateUsage);
        Assert.Equal(("2026-01", 1, 2m, 1.12m), (januaryLine.OriginalPeriod, januaryLine.Calls, januaryLine.Minutes, januaryLine.Amount));
        Assert.Equal(801.12m, february.Invoices[0].Total);

        await using var db = database.CreateContext();
        var issued = await db.Invoices.AsNoTracking().Where(i => i.ClientId == "outage").OrderBy(i => i.Period).ToListAsync();
        Assert.Equal([(1, 800.56m, false), (0, 801.68m, true), (0, 800m, false), (0, 801.12m, true)],
            issued.Select(i => (i.TotalCalls, i.Total, i.Reconciled)));
        Assert.Equal("failed", (await db.BillingRuns.SingleAsync(r => r.Id == january.RunId)).Reconciliation);
    }
}
