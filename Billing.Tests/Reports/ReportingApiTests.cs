using System.Text.Json;
using Billing.Tests.Infrastructure;

namespace Billing.Tests.Reports;

public sealed class ReportingApiTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private static List<string?> Strings(IEnumerable<JsonElement> items, string property) =>
        items.Select(i => i.GetProperty(property).GetString()).ToList();

    [Fact]
    public async Task Invoices_are_filtered_sorted_and_paged_with_cursors_that_stay_stable_under_inserts()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "list");

        var a = await world.ItemsAsync($"/api/invoices?clientId={world.A}&sort=period", world.ReportingKey);
        Assert.Equal(["2025-10", "2025-11"], Strings(a, "period"));
        Assert.Equal(["801.12", "806.72"], Strings(a, "total"));
        Assert.Equal(("RON", "OVERDUE", "2025-11-16"), (a[0].GetProperty("currency").GetString(), a[0].GetProperty("status").GetString(),
            a[0].GetProperty("dueDate").GetString()));
        Assert.Equal(["2025-11"], Strings(await world.ItemsAsync($"/api/invoices?clientId={world.B}&period=2025-11", world.ReportingKey), "period"));
        Assert.Equal(["2025-11"], Strings(await world.ItemsAsync($"/api/invoices?clientId={world.A}&periodFrom=2025-10&periodTo=2025-11&status=pending",
            world.ReportingKey), "period"));
        Assert.Equal(["2025-10"], Strings(await world.ItemsAsync($"/api/invoices?clientId={world.A}&dueBefore=2025-12-01", world.ReportingKey), "period"));

        // Page through both clients' four invoices one at a time, largest first; a new invoice issued meanwhile
        // (December, created later) sorts into no page already read, and no row is seen twice.
        var seen = new List<string?>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var response = await world.Api.GetAsync($"/api/invoices?sort=-total&limit=1&period=2025-11{(cursor is null ? "" : "&cursor=" + cursor)}",
                world.KeyA);
            Assert.Equal(200, response.Status);
            seen.AddRange(Strings(response.Json.GetProperty("items").EnumerateArray(), "total"));
            cursor = response.Json.GetProperty("nextCursor").GetString();
            if (pages++ == 0)
            {
                await world.Scenario.RunAsync("2026-01-01T12:00:00Z", world.A);
            }
        } while (cursor is not null && pages < 10);
        Assert.Equal(["806.72"], seen);

        var all = new List<string?>();
        cursor = null;
        do
        {
            var response = await world.Api.GetAsync($"/api/clients/{world.A}/invoices?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}", world.AdminKey);
            all.AddRange(Strings(response.Json.GetProperty("items").EnumerateArray(), "period"));
            cursor = response.Json.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
        Assert.Equal(["2025-12", "2025-11", "2025-10"], all);
    }

    [Fact]
    public async Task Lists_come_as_csv_when_asked_by_parameter_or_accept_header()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "csv");

        var byParameter = await world.Api.GetAsync($"/api/invoices?clientId={world.A}&sort=period&format=csv", world.ReportingKey);
        var byHeader = await world.Api.SendAsync("GET", $"/api/invoices?clientId={world.A}&sort=period", world.ReportingKey,
            headers: new() { ["Accept"] = "text/csv" });

        Assert.Equal((200, "text/csv; charset=utf-8"), (byParameter.Status, byParameter.ContentType));
        Assert.Equal(byParameter.Body, byHeader.Body);
        var lines = byParameter.Body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        var header = lines[0].Split(',');
        Assert.Contains("total", header);
        Assert.Equal("801.12", lines[1].Split(',')[Array.IndexOf(header, "total")]);
        Assert.Equal("2025-11", lines[2].Split(',')[Array.IndexOf(header, "period")]);

        var tools = await world.Api.GetAsync($"/api/reports/tools?period=2025-11&clientId={world.A}&format=csv", world.ReportingKey);
        Assert.Equal(["clientId,period,tool,calls", $"{world.A},2025-11,bookAppointment,2", $"{world.A},2025-11,transferCall,1"],
            tools.Body.Split("\r\n", StringSplitOptions.RemoveEmptyEntries));
    }

    [Theory]
    [InlineData("/api/invoices?status=BOGUS", "status")]
    [InlineData("/api/invoices?period=2025-13", "period")]
    [InlineData("/api/invoices?periodFrom=2025-11&periodTo=2025-10", "periodTo")]
    [InlineData("/api/invoices?period=2025-11&periodFrom=2025-10", "period")]
    [InlineData("/api/invoices?dueAfter=2025-12-01&dueBefore=2025-11-01", "dueBefore")]
    [InlineData("/api/invoices?dueBefore=yesterday", "dueBefore")]
    [InlineData("/api/invoices?createdSince=2025-12-01T00:00:00", "createdSince")]
    [InlineData("/api/invoices?limit=0", "limit")]
    [InlineData("/api/invoices?limit=501", "limit")]
    [InlineData("/api/invoices?limit=ten", "limit")]
    [InlineData("/api/invoices?sort=amount", "sort")]
    [InlineData("/api/invoices?cursor=not-a-cursor", "cursor")]
    [InlineData("/api/invoices?statuss=PAID", "statuss")]
    [InlineData("/api/invoices?status=PAID&status=PENDING", "status")]
    [InlineData("/api/invoices?format=xml", "format")]
    [InlineData("/api/reports/top-clients", "period")]
    [InlineData("/api/reports/top-clients?period=2025-11&limit=9999", "limit")]
    [InlineData("/api/reports/revenue?from=2025-12&to=2025-01", "to")]
    [InlineData("/api/reports/margin?period=11-2025", "period")]
    [InlineData("/api/reports/tools?period=2025-00", "period")]
    [InlineData("/api/reports/recent-invoices?since=last-week", "since")]
    [InlineData("/api/usage?from=2025-12-01T00:00:00Z&to=2025-11-01T00:00:00Z", "to")]
    [InlineData("/api/usage?cursor=Zm9vfGFzY3xiYXJ8YmF6", "cursor")]
    [InlineData("/api/payments?status=LOST", "status")]
    [InlineData("/api/payments?invoiceId=42", "invoiceId")]
    [InlineData("/api/exchange-rates?from=2025-12-01&to=2025-01-01", "to")]
    public async Task Bad_parameters_get_a_400_problem_naming_the_parameter(string pathAndQuery, string parameter)
    {
        // A prefix of its own per case, stable and collision-free (string.GetHashCode modulo 100,000 collided now and then).
        var prefix = "bad" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(pathAndQuery)))[..12];
        await using var world = await ReportingWorld.CreateAsync(database, prefix);

        var response = await world.Api.GetAsync(pathAndQuery, world.ReportingKey);

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(parameter, out _), response.Body);
    }

    [Fact]
    public async Task A_cursor_from_another_sort_is_refused()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "cursor");
        var first = await world.Api.GetAsync("/api/invoices?sort=total&limit=1", world.ReportingKey);
        var cursor = first.Json.GetProperty("nextCursor").GetString();

        var other = await world.Api.GetAsync($"/api/invoices?sort=dueDate&limit=1&cursor={cursor}", world.ReportingKey);

        Assert.Equal(400, other.Status);
        Assert.True(other.Json.GetProperty("errors").TryGetProperty("cursor", out _));
    }

    [Fact]
    public async Task Reports_answer_the_seed_monitors_and_the_margin_with_the_rate_used_or_the_rate_missing()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "rep");

        var top = await world.ItemsAsync("/api/reports/top-clients?period=2025-11&limit=500", world.KeyA);
        Assert.Equal([(world.A, "806.72", "12")], top.Select(t => (t.GetProperty("clientId").GetString(), t.GetProperty("total").GetString(),
            t.GetProperty("minutes").GetString())));

        var margin = (await world.Api.GetAsync("/api/reports/margin?period=2025-11", world.ReportingKey)).Json;
        var a = margin.GetProperty("clients").EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == world.A);
        Assert.Equal(("806.72", "1.25", "4.3731", "2025-11-28", "5.47", "801.25", "1.0000"), (a.GetProperty("billed").GetString(),
            a.GetProperty("vapiCostUsd").GetString(), a.GetProperty("rate").GetProperty("rate").GetString(),
            a.GetProperty("rate").GetProperty("date").GetString(), a.GetProperty("vapiCost").GetString(), a.GetProperty("margin").GetString(),
            a.GetProperty("successRate").GetString()));
        var b = margin.GetProperty("clients").EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == world.B);
        Assert.Equal(1, b.GetProperty("callsWithoutVapiCost").GetInt32());
        Assert.Empty(margin.GetProperty("missingRates").EnumerateArray());

        var october = (await world.Api.GetAsync("/api/reports/margin?period=2025-10", world.ReportingKey)).Json;
        var octoberA = october.GetProperty("clients").EnumerateArray().Single(c => c.GetProperty("clientId").GetString() == world.A);
        Assert.Equal(JsonValueKind.Null, octoberA.GetProperty("margin").ValueKind);
        Assert.Equal(JsonValueKind.Null, octoberA.GetProperty("rate").ValueKind);
        Assert.Equal("2025-10-31", Assert.Single(october.GetProperty("missingRates").EnumerateArray()).GetProperty("onOrBefore").GetString());

        var tools = await world.ItemsAsync($"/api/reports/tools?period=2025-10&clientId={world.A}", world.ReportingKey);
        Assert.Equal(["bookAppointment", "checkCalendar"], Strings(tools, "tool"));

        var recent = await world.ItemsAsync("/api/reports/recent-invoices?since=2025-11-01T00:00:00Z", world.KeyB);
        Assert.Equal(["2025-11", "2025-10"], Strings(recent, "period"));

        var usage = await world.ItemsAsync($"/api/usage?clientId={world.A}&from=2025-11-01T00:00:00Z", world.ReportingKey);
        Assert.Equal(world.CallsA.Skip(1), Strings(usage, "callId"));
        Assert.Equal(["bookAppointment", "transferCall"], usage[1].GetProperty("toolsUsed").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains(world.UnattributedCall, Strings(await world.ItemsAsync("/api/usage/unattributed?limit=500", world.ReportingKey), "callId"));
    }

    [Fact]
    public async Task Payments_mark_invoices_paid_once_and_feed_revenue_and_the_failed_payments_monitor()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "pay");
        var invoice = (await world.ItemsAsync($"/api/invoices?clientId={world.A}&period=2025-10", world.AdminKey))[0];
        var id = invoice.GetProperty("id").GetString();
        string Payment(string amount, string status, string txn) =>
            $$"""{"invoiceId":"{{id}}","amount":{{amount}},"method":"Transfer","status":"{{status}}","transactionId":"{{txn}}"}""";

        var failed = await world.Api.SendAsync("POST", "/api/payments", world.AdminKey, Payment("801.12", "Failed", world.A + "-t1"));
        var paid = await world.Api.SendAsync("POST", "/api/payments", world.AdminKey, Payment("801.12", "Completed", world.A + "-t2"));
        var replay = await world.Api.SendAsync("POST", "/api/payments", world.AdminKey, Payment("801.12", "Completed", world.A + "-t2"));
        var wrongCurrency = await world.Api.SendAsync("POST", "/api/payments", world.AdminKey,
            $$"""{"invoiceId":"{{id}}","amount":1,"currency":"EUR","method":"Card"}""");
        var unknownField = await world.Api.SendAsync("POST", "/api/payments", world.AdminKey,
            $$"""{"invoiceId":"{{id}}","amount":1,"method":"Card","amout":2}""");
        var byClientKey = await world.Api.SendAsync("POST", "/api/payments", world.KeyA, Payment("1", "Completed", world.A + "-t3"));

        Assert.Equal((201, 201, 200), (failed.Status, paid.Status, replay.Status));
        Assert.Equal(paid.Json.GetProperty("id").GetString(), replay.Json.GetProperty("id").GetString());
        Assert.Equal((422, 400, 403), (wrongCurrency.Status, unknownField.Status, byClientKey.Status));
        var detail = (await world.Api.GetAsync($"/api/invoices/{id}", world.KeyA)).Json;
        Assert.Equal("PAID", detail.GetProperty("invoice").GetProperty("status").GetString());
        Assert.Equal(2, detail.GetProperty("payments").GetArrayLength());
        var failedPayments = await world.ItemsAsync("/api/payments?status=FAILED&limit=500", world.ReportingKey);
        Assert.Contains(world.A + "-t1", Strings(failedPayments, "transactionId"));

        var revenue = (await world.Api.GetAsync("/api/reports/revenue?status=PAID&from=2025-10&to=2025-10", world.KeyA)).Json;
        Assert.Equal(("RON", 1, "801.12"), (revenue.GetProperty("totals")[0].GetProperty("currency").GetString(),
            revenue.GetProperty("totals")[0].GetProperty("invoices").GetInt32(), revenue.GetProperty("totals")[0].GetProperty("total").GetString()));
    }

    [Fact]
    public async Task Admins_manage_clients_keys_and_rates_over_http_and_others_cannot()
    {
        await using var world = await ReportingWorld.CreateAsync(database, "adm");
        var clientId = world.A + "_new";

        var created = await world.Api.SendAsync("POST", "/api/clients", world.AdminKey,
            $$"""{"clientId":"{{clientId}}","name":"Clinica Nouă","monthlyFee":650,"pricePerMinute":0.45,"billingDay":5,"assistants":["asst_{{clientId}}"]}""");
        var again = await world.Api.SendAsync("POST", "/api/clients", world.AdminKey,
            $$"""{"clientId":"{{clientId}}","name":"x","monthlyFee":1,"pricePerMinute":1}""");
        var badZone = await world.Api.SendAsync("PATCH", $"/api/clients/{clientId}", world.AdminKey, """{"timeZone":"Mars/Olympus"}""");
        var changed = await world.Api.SendAsync("PATCH", $"/api/clients/{clientId}", world.AdminKey, """{"monthlyFee":700.5,"active":false}""");
        var byReporting = await world.Api.SendAsync("PATCH", $"/api/clients/{clientId}", world.ReportingKey, """{"active":true}""");

        Assert.Equal((201, 409, 422, 200, 403), (created.Status, again.Status, badZone.Status, changed.Status, byReporting.Status));
        Assert.True(badZone.Json.GetProperty("errors").TryGetProperty("timeZone", out _), badZone.Body);
        Assert.Equal(("700.50", false), (changed.Json.GetProperty("monthlyFee").GetString(), changed.Json.GetProperty("active").GetBoolean()));

        var key = await world.Api.SendAsync("POST", "/api/keys", world.AdminKey, $$"""{"name":"new portal","scope":"client","clientId":"{{clientId}}"}""");
        Assert.Equal(201, key.Status);
        var plain = key.Json.GetProperty("plainKey").GetString()!;
        Assert.Equal(200, (await world.Api.GetAsync($"/api/clients/{clientId}", plain)).Status);
        var listed = await world.ItemsAsync("/api/keys", world.AdminKey);
        Assert.DoesNotContain(listed, k => k.GetRawText().Contains(plain.Split('_')[2], StringComparison.Ordinal));
        Assert.Equal(204, (await world.Api.SendAsync("DELETE", $"/api/keys/{key.Json.GetProperty("key").GetProperty("id").GetString()}", world.AdminKey)).Status);
        Assert.Equal(401, (await world.Api.GetAsync($"/api/clients/{clientId}", plain)).Status);

        // Dated after every period the class's tests report on: the margin test expects October to have no rate.
        var rate = await world.Api.SendAsync("PUT", "/api/exchange-rates", world.AdminKey,
            """{"date":"2026-01-15","currency":"USD","quoteCurrency":"RON","rate":4.4101}""");
        Assert.Equal(200, rate.Status);
        var rates = await world.ItemsAsync("/api/exchange-rates?from=2026-01-01&to=2026-01-31", world.KeyA);
        Assert.Contains(("2026-01-15", "4.4101"), rates.Select(r => (r.GetProperty("date").GetString(), r.GetProperty("rate").GetString())));
        var negative = await world.Api.SendAsync("PUT", "/api/exchange-rates", world.AdminKey,
            """{"date":"2026-01-15","currency":"USD","quoteCurrency":"RON","rate":-1}""");
        Assert.Equal(422, negative.Status);
        Assert.True(negative.Json.GetProperty("errors").TryGetProperty("rate", out _), negative.Body);
    }
}
