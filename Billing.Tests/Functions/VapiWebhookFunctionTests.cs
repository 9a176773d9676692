using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.Domain.Clients;
using Billing.Domain.Data;
using Billing.Domain.Usage;
using Billing.Domain.Vapi;
using Billing.Functions.Usage;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using NSubstitute;

namespace Billing.Tests.Functions;

public sealed class VapiWebhookFunctionTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime
{
    private const string Secret = "x-vapi-secret-current-000000000001";
    private const string OldSecret = "x-vapi-secret-previous-00000000000";
    private const string BearerToken = "bearer-token-for-vapi-0000000000001";
    private const string HmacKey = "hmac-key-for-vapi-signatures-000001";
    private const string SuccessCallId = "25ce11fc-739c-4655-a56d-f969b8fcced2";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 11, 14, 9, 15, 0, TimeSpan.Zero));
    private readonly IVapiApi _vapi = Substitute.For<IVapiApi>();
    private ServiceProvider _services = null!;

    private Dictionary<string, string?> Settings => new()
    {
        ["Vapi:Webhook:Secrets:0"] = Secret,
        ["Vapi:Webhook:Secrets:1"] = OldSecret,
        ["Vapi:Webhook:BearerTokens:0"] = BearerToken,
        ["Vapi:Webhook:HmacSecrets:0"] = HmacKey,
    };

    public async ValueTask InitializeAsync()
    {
        _services = database.CreateServices(_clock, Settings, s => s.AddSingleton(_vapi));
        await using var db = database.CreateContext();
        if (!await db.Clients.AnyAsync(c => c.ClientId == "dr_serban"))
        {
            db.Clients.Add(new Client
            {
                ClientId = "dr_serban",
                Name = "Clinica Dr. Șerban",
                MonthlyFee = 800m,
                PricePerMinute = 0.56m,
                Assistants = [new ClientAssistant { VapiId = "asst_clinica_serban_01", ClientId = "dr_serban" }],
            });
            await db.SaveChangesAsync();
        }
    }

    public async ValueTask DisposeAsync() => await _services.DisposeAsync();

    private Task<HttpTesting.Response> PostAsync(string body, Dictionary<string, string>? headers = null) =>
        PostAsync(_services, body, headers ?? new() { ["X-Vapi-Secret"] = Secret });

    private static async Task<HttpTesting.Response> PostAsync(IServiceProvider services, string body, Dictionary<string, string> headers)
    {
        await using var scope = services.CreateAsyncScope();
        var function = ActivatorUtilities.CreateInstance<VapiWebhookFunction>(scope.ServiceProvider);
        var context = HttpTesting.NewContext(scope.ServiceProvider, "POST", "/api/vapi/webhook", body: body, headers: headers);
        return await HttpTesting.ExecuteAsync(await function.VapiWebhook(context.Request, CancellationToken.None), context);
    }

    private async Task<List<UsageLog>> RowsAsync(string callId)
    {
        await using var db = database.CreateContext();
        return await db.UsageLogs.AsNoTracking().Where(u => u.CallId == callId).ToListAsync();
    }

    /// <summary>A fixture with another call id, so a test owns its call.</summary>
    private static string WithCallId(string fixture, string callId, Action<JsonObject>? change = null)
    {
        var json = JsonNode.Parse(Fixtures.Vapi(fixture))!.AsObject();
        json["message"]!["call"]!["id"] = callId;
        change?.Invoke(json["message"]!.AsObject());
        return json.ToJsonString();
    }

    public static TheoryData<string, string, double, double, string[], double?, CallOutcome, bool, bool> FixtureRows => new()
    {
        { "end-of-call-report-success.json", SuccessCallId, 127.4, 3, ["checkAvailability", "bookAppointment"], 0.240676, CallOutcome.Success, true, false },
        { "end-of-call-report-failed.json", "4a8c62a5-75fe-4f33-b46c-4fc4111c8ac2", 6.84, 1, [], 0.010077, CallOutcome.Error, true, false },
        { "end-of-call-report-no-answer.json", "9b946e00-8648-424c-8ec2-c8d6ae46716a", 0, 0, [], 0, CallOutcome.NotConnected, false, false },
        { "end-of-call-report-minimal.json", "6870e3c8-ef60-461e-882a-67cd80341098", 0, 0, [], null, CallOutcome.Success, false, true },
    };

    [Theory]
    [MemberData(nameof(FixtureRows))]
    public async Task Every_fixture_produces_its_documented_row(string fixture, string callId, double seconds, double minutes,
        string[] tools, double? vapiCost, CallOutcome outcome, bool billable, bool incomplete)
    {
        var response = await PostAsync(Fixtures.Vapi(fixture));

        Assert.Equal(200, response.Status);
        Assert.True(response.Json.GetProperty("stored").GetBoolean());
        var row = Assert.Single(await RowsAsync(callId));
        Assert.Equal((decimal)seconds, row.DurationSeconds);
        Assert.Equal((decimal)minutes, row.DurationMinutes);
        Assert.Equal(tools, row.ToolsUsed);
        Assert.Equal((decimal?)vapiCost, row.VapiCost);
        Assert.Equal(outcome, row.Outcome);
        Assert.Equal(billable, row.Billable);
        Assert.Equal(incomplete, row.Incomplete);
        Assert.Equal(incomplete ? null : "dr_serban", row.ClientId);
        Assert.Equal(billable ? Math.Round((decimal)minutes * 0.56m, 6) : 0m, row.Cost);
        Assert.Equal(UsageSource.Webhook, row.Source);
        await using var db = database.CreateContext();
        var raw = await db.VapiCallReports.SingleAsync(r => r.CallId == callId);
        Assert.Equal(Encoding.UTF8.GetBytes(Fixtures.Vapi(fixture)), new RawReport(raw.PayloadGzip, raw.PayloadSha256, raw.PayloadBytes).Decompress());
        Assert.Equal(_clock.GetUtcNow().AddDays(90), raw.ExpiresAt);
    }

    [Fact]
    public async Task A_report_with_a_long_transcript_is_stored_whole_and_its_gzip_is_not_compressed_again()
    {
        const string callId = "ffffffff-0000-4000-8000-000000000001";
        var words = new Random(7);
        var transcript = string.Join(' ', Enumerable.Range(0, 250_000).Select(_ => $"w{words.Next(100_000)}"));
        var body = WithCallId("end-of-call-report-success.json", callId, m => m["transcript"] = transcript);
        Assert.True(body.Length > 1_500_000);

        var response = await PostAsync(body);

        Assert.Equal(200, response.Status);
        Assert.Single(await RowsAsync(callId));
        await using var db = database.CreateContext();
        var raw = await db.VapiCallReports.SingleAsync(r => r.CallId == callId);
        Assert.Equal(Encoding.UTF8.GetBytes(body), new RawReport(raw.PayloadGzip, raw.PayloadSha256, raw.PayloadBytes).Decompress());
        // Gzip bytes go out of line as they are (pglz on them is wasted work on the webhook's path), and a report
        // small enough for a page stays inline instead of becoming TOAST chunks.
        await using var connection = await database.OpenConnectionAsync();
        await using var storage = new Npgsql.NpgsqlCommand("""
            SELECT a.attstorage::text, c.reloptions
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            WHERE c.oid = '"VapiCallReport"'::regclass AND a.attname = 'payloadGzip'
            """, connection);
        await using var reader = await storage.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal("e", reader.GetString(0));
        Assert.Contains("toast_tuple_target=8160", reader.GetFieldValue<string[]>(1));
    }

    [Fact]
    public async Task The_success_report_belongs_to_the_start_instant_and_keeps_its_vapi_ids()
    {
        await PostAsync(Fixtures.Vapi("end-of-call-report-success.json"));
        var row = Assert.Single(await RowsAsync(SuccessCallId));
        Assert.Equal(DateTimeOffset.Parse("2025-11-14T09:12:03.118Z"), row.StartedAt);
        Assert.Equal(DateTimeOffset.Parse("2025-11-14T09:14:10.518Z"), row.EndedAt);
        Assert.Equal(row.StartedAt, row.OccurredAt);
        Assert.Equal("asst_clinica_serban_01", row.VapiAssistantId);
        Assert.Equal("e106a1ff-fcc2-46bc-bf12-82625a7e4e42", row.VapiPhoneNumberId);
        Assert.Equal("customer-ended-call", row.EndedReason);
    }

    [Theory]
    [InlineData("status-update-ended.json", "status-update")]
    [InlineData("conversation-update.json", "conversation-update")]
    public async Task Other_message_types_are_acknowledged_without_a_write(string fixture, string type)
    {
        var before = await CountAsync();
        var response = await PostAsync(Fixtures.Vapi(fixture).Replace(SuccessCallId, "11111111-0000-4000-8000-000000000001"));
        Assert.Equal(200, response.Status);
        Assert.Equal(type, response.Json.GetProperty("messageType").GetString());
        Assert.False(response.Json.GetProperty("stored").GetBoolean());
        Assert.Equal(before, await CountAsync());
        Assert.Empty(await RowsAsync("11111111-0000-4000-8000-000000000001"));
    }

    [Fact]
    public async Task An_unknown_future_message_type_is_acknowledged()
    {
        var response = await PostAsync("""{"message":{"type":"assistant.started","whatever":{"new":true}}}""");
        Assert.Equal(200, response.Status);
        Assert.False(response.Json.GetProperty("stored").GetBoolean());
    }

    [Fact]
    public async Task A_replay_with_different_bytes_changes_nothing()
    {
        const string callId = "22222222-0000-4000-8000-000000000001";
        Assert.Equal("inserted", (await PostAsync(WithCallId("end-of-call-report-success.json", callId))).Json.GetProperty("outcome").GetString());
        var first = Assert.Single(await RowsAsync(callId));

        var replay = WithCallId("end-of-call-report-success.json", callId, m =>
        {
            m["timestamp"] = 1763111999999;
            m["artifact"]!["presignedRecordingUrl"] = "https://storage.vapi.ai/recording.wav?sig=fresh";
            m["durationMs"] = 127400;
        });
        var response = await PostAsync(replay);

        Assert.Equal(200, response.Status);
        Assert.Equal("unchanged", response.Json.GetProperty("outcome").GetString());
        var after = Assert.Single(await RowsAsync(callId));
        Assert.Equal(first.UpdatedAt, after.UpdatedAt);
        await using var db = database.CreateContext();
        var raw = await db.VapiCallReports.SingleAsync(r => r.CallId == callId);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(WithCallId("end-of-call-report-success.json", callId))), raw.PayloadSha256);
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_call_write_one_row()
    {
        const string callId = "33333333-0000-4000-8000-000000000001";
        var body = WithCallId("end-of-call-report-success.json", callId);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => PostAsync(body))));

        Assert.All(responses, r => Assert.Equal(200, r.Status));
        Assert.Equal(1, responses.Count(r => r.Json.GetProperty("outcome").GetString() == "inserted"));
        Assert.Single(await RowsAsync(callId));
    }

    [Fact]
    public async Task An_incomplete_report_is_completed_from_vapis_api_right_away()
    {
        const string callId = "44444444-0000-4000-8000-000000000001";
        var apiCall = JsonNode.Parse(Fixtures.Vapi("calls-list-page.json"))!.AsArray()[2]!.AsObject();
        apiCall["id"] = callId;
        _vapi.GetCallAsync(callId, Arg.Any<CancellationToken>()).Returns(JsonDocument.Parse(apiCall.ToJsonString()).RootElement);

        var response = await PostAsync(WithCallId("end-of-call-report-minimal.json", callId));

        Assert.Equal(200, response.Status);
        Assert.False(response.Json.GetProperty("incomplete").GetBoolean());
        var row = Assert.Single(await RowsAsync(callId));
        Assert.False(row.Incomplete);
        Assert.True(row.Billable);
        Assert.Equal("dr_serban", row.ClientId);
        Assert.Equal(127.4m, row.DurationSeconds);
        Assert.Equal(3m, row.DurationMinutes);
        Assert.Equal(UsageSource.Webhook, row.Source); // where the row came from; the API only completed it
    }

    [Fact]
    public async Task A_later_complete_report_completes_an_incomplete_row_without_doubling_it()
    {
        const string callId = "55555555-0000-4000-8000-000000000001";
        await PostAsync(WithCallId("end-of-call-report-minimal.json", callId));
        Assert.True(Assert.Single(await RowsAsync(callId)).Incomplete);

        var response = await PostAsync(WithCallId("end-of-call-report-success.json", callId));

        Assert.Equal("completed", response.Json.GetProperty("outcome").GetString());
        var row = Assert.Single(await RowsAsync(callId));
        Assert.False(row.Incomplete);
        Assert.Equal(1.68m, row.Cost);
    }

    [Fact]
    public async Task An_unattributed_call_is_billed_once_its_assistant_is_mapped()
    {
        const string callId = "66666666-0000-4000-8000-000000000001";
        var body = WithCallId("end-of-call-report-success.json", callId, m => m["call"]!["assistantId"] = "asst_new_client_01");
        await PostAsync(body);
        var unattributed = Assert.Single(await RowsAsync(callId));
        Assert.Null(unattributed.ClientId);
        Assert.False(unattributed.Billable);

        await using (var db = database.CreateContext())
        {
            db.ClientAssistants.Add(new ClientAssistant { VapiId = "asst_new_client_01", ClientId = "dr_serban" });
            await db.SaveChangesAsync();
        }
        await using (var scope = _services.CreateAsyncScope())
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

        await using (var db = database.CreateContext())
        {
            db.Clients.Add(new Client { ClientId = "pref_squad", Name = "Squad owner", MonthlyFee = 100m, PricePerMinute = 0.50m });
            db.Clients.Add(new Client { ClientId = "pref_phone", Name = "Number owner", MonthlyFee = 100m, PricePerMinute = 0.90m });
            // Inserted phone number first, so neither insertion order nor the kinds' alphabetical order picks the squad.
            db.ClientAssistants.Add(new ClientAssistant { Kind = VapiResourceKind.PhoneNumber, VapiId = "phone_pref_01", ClientId = "pref_phone" });
            await db.SaveChangesAsync();
            db.ClientAssistants.Add(new ClientAssistant { Kind = VapiResourceKind.Squad, VapiId = "squad_pref_01", ClientId = "pref_squad" });
            await db.SaveChangesAsync();
        }
        await using (var scope = _services.CreateAsyncScope())
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
        await using (var db = database.CreateContext())
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

        await using (var db = database.CreateContext())
        {
            // The rate of the terms row in force (the client's only one, from its first period).
            await db.ClientTerms.Where(t => t.ClientId == "terms_a").ExecuteUpdateAsync(t => t.SetProperty(x => x.PricePerMinute, 0.70m));
        }
        var afterRateChange = await RecordAsync("88888888-0000-4000-8000-000000000002");
        Assert.Equal(("terms_a", 2.10m), (afterRateChange.ClientId, afterRateChange.Cost));

        await using (var db = database.CreateContext())
        {
            await db.ClientAssistants.Where(a => a.VapiId == "asst_terms_01").ExecuteUpdateAsync(a => a.SetProperty(x => x.ClientId, "terms_b"));
        }
        var afterMove = await RecordAsync("88888888-0000-4000-8000-000000000003");
        Assert.Equal(("terms_b", 2.70m), (afterMove.ClientId, afterMove.Cost));

        await using (var db = database.CreateContext())
        {
            await db.ClientAssistants.Where(a => a.VapiId == "asst_terms_01").ExecuteDeleteAsync();
        }
        var afterUnmapping = await RecordAsync("88888888-0000-4000-8000-000000000004");
        Assert.Equal((null, 0m, false), (afterUnmapping.ClientId, afterUnmapping.Cost, afterUnmapping.Billable));
    }

    [Fact]
    public async Task A_payload_built_from_the_sdk_types_round_trips()
    {
        const string callId = "77777777-0000-4000-8000-000000000001";
        var body = new JsonObject
        {
            ["message"] = new JsonObject
            {
                ["type"] = "end-of-call-report",
                ["timestamp"] = "2025-11-20T10:00:05.000Z",
                ["endedReason"] = "call.in-progress.error-some-new-2027-reason",
                ["startedAt"] = "2025-11-20T10:00:00.000Z",
                ["endedAt"] = "2025-11-20T10:01:30.250Z",
                ["costs"] = new JsonArray(
                    new JsonObject { ["type"] = "transport", ["minutes"] = 1.5, ["cost"] = 0.0125 },
                    new JsonObject { ["type"] = "a-future-cost-type", ["cost"] = 0.002, ["extra"] = new JsonObject() }),
                ["artifact"] = new JsonObject
                {
                    ["messages"] = new JsonArray(
                        new JsonObject { ["role"] = "tool_call_result", ["name"] = "lookupPatient", ["result"] = new JsonObject { ["ok"] = true } },
                        new JsonObject { ["role"] = "tool_call_result", ["name"] = "lookupPatient", ["result"] = "{}" }),
                    ["structuredOutputs"] = new JsonObject { ["x"] = 1 },
                },
                ["analysis"] = new JsonObject { ["summary"] = "ok", ["successEvaluation"] = "8" },
                ["assistant"] = new JsonObject { ["name"] = "Clinic", ["model"] = new JsonObject { ["provider"] = "openai" } },
                ["phoneNumber"] = new JsonObject { ["provider"] = "twilio", ["twilioAuthToken"] = "do-not-log" },
                ["customer"] = new JsonObject { ["number"] = "+40700000000" },
                ["assistantVersion"] = null,
                ["somethingNewFromVapi"] = new JsonArray(1, 2, 3),
                ["call"] = new JsonObject
                {
                    ["id"] = callId,
                    ["orgId"] = "org",
                    ["createdAt"] = "2025-11-20T09:59:58.000Z",
                    ["updatedAt"] = "2025-11-20T09:59:58.000Z",
                    ["assistantId"] = "asst_clinica_serban_01",
                    ["customerId"] = "cust_1",
                    ["status"] = "some-new-status",
                },
            },
        }.ToJsonString();

        var response = await PostAsync(body);

        Assert.Equal(200, response.Status);
        var row = Assert.Single(await RowsAsync(callId));
        Assert.Equal(90.25m, row.DurationSeconds);
        Assert.Equal(2m, row.DurationMinutes);
        Assert.Equal(0.0145m, row.VapiCost);
        Assert.Equal(["lookupPatient"], row.ToolsUsed);
        Assert.Equal("call.in-progress.error-some-new-2027-reason", row.EndedReason);
        Assert.Equal(CallOutcome.Error, row.Outcome);
        Assert.Equal("cust_1", row.VapiCustomerId);
        Assert.Equal(DateTimeOffset.Parse("2025-11-20T09:59:58Z"), row.VapiCreatedAt);
    }

    public static TheoryData<string, int, string> BadInputs => new()
    {
        { "this is not json", 400, "body" },
        { """{"hello":"world"}""", 400, "message" },
        { """{"message":{"endedReason":"customer-ended-call"}}""", 400, "message.type" },
        { """{"message":{"type":"end-of-call-report","endedReason":"customer-ended-call","artifact":{},"analysis":{}}}""", 422, "message.call.id" },
        { Report("88888888-0000-4000-8000-000000000001", """ "startedAt":"2025-11-14T10:00:00Z","endedAt":"2025-11-14T09:00:00Z" """), 422, "message.endedAt" },
        { Report("88888888-0000-4000-8000-000000000002", """ "startedAt":"2025-11-14T10:00:00Z","endedAt":"2025-11-16T10:00:00Z" """), 422, "message.endedAt" },
        { Report("88888888-0000-4000-8000-000000000003", """ "startedAt":"2025-11-14T10:00:00Z","durationMs":-5 """), 422, "message.durationMs" },
        { Report("88888888-0000-4000-8000-000000000004", """ "startedAt":"yesterday" """), 422, "message.startedAt" },
        { Report("88888888-0000-4000-8000-000000000005", """ "cost":-0.5 """), 422, "message.cost" },
    };

    private static string Report(string callId, string fields) =>
        "{\"message\":{\"type\":\"end-of-call-report\",\"endedReason\":\"customer-ended-call\",\"artifact\":{},\"analysis\":{}," + fields +
        ",\"call\":{\"id\":\"" + callId + "\",\"orgId\":\"o\",\"createdAt\":\"2025-11-14T09:59:00Z\",\"updatedAt\":\"2025-11-14T09:59:00Z\"," +
        "\"assistantId\":\"asst_clinica_serban_01\"}}}";

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Bad_input_gets_a_problem_naming_the_field_and_writes_nothing(string body, int status, string field)
    {
        var before = await CountAsync();

        var response = await PostAsync(body);

        Assert.Equal(status, response.Status);
        Assert.StartsWith("application/problem+json", response.ContentType);
        Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {response.Body}");
        Assert.Equal(before, await CountAsync());
    }

    [Fact]
    public async Task An_oversized_body_gets_413_whether_or_not_it_declares_its_length()
    {
        await using var small = database.CreateServices(_clock, new(Settings) { ["Vapi:Webhook:MaxBodyBytes"] = "2048" });
        var body = WithCallId("end-of-call-report-success.json", "99999999-0000-4000-8000-000000000001");

        var declared = await PostAsync(small, body, new() { ["X-Vapi-Secret"] = Secret });
        Assert.Equal(413, declared.Status);

        await using var scope = small.CreateAsyncScope();
        var context = HttpTesting.NewContext(scope.ServiceProvider, "POST", body: body, headers: new() { ["X-Vapi-Secret"] = Secret });
        context.Request.ContentLength = null;
        var function = ActivatorUtilities.CreateInstance<VapiWebhookFunction>(scope.ServiceProvider);
        var chunked = await HttpTesting.ExecuteAsync(await function.VapiWebhook(context.Request, default), context);
        Assert.Equal(413, chunked.Status);
        Assert.Empty(await RowsAsync("99999999-0000-4000-8000-000000000001"));
    }

    public static TheoryData<string, Dictionary<string, string>, bool> Credentials => new()
    {
        { "current X-Vapi-Secret", new() { ["X-Vapi-Secret"] = Secret }, true },
        { "previous X-Vapi-Secret during rotation", new() { ["X-Vapi-Secret"] = OldSecret }, true },
        { "rotated-out X-Vapi-Secret", new() { ["X-Vapi-Secret"] = "x-vapi-secret-retired-9999" }, false },
        { "wrong X-Vapi-Secret", new() { ["X-Vapi-Secret"] = Secret + "x" }, false },
        { "no credential", new(), false },
        { "bearer token", new() { ["Authorization"] = "Bearer " + BearerToken }, true },
        { "bearer token without prefix", new() { ["Authorization"] = BearerToken }, false },
        { "wrong bearer token", new() { ["Authorization"] = "Bearer nope-nope-nope-nope" }, false },
    };

    [Theory]
    [MemberData(nameof(Credentials))]
    public async Task Each_credential_is_accepted_or_refused_with_nothing_written(string what, Dictionary<string, string> headers, bool accepted)
    {
        var callId = $"aaaaaaaa-0000-4000-8000-{Math.Abs(what.GetHashCode()):D12}"[..36];
        var response = await PostAsync(WithCallId("end-of-call-report-success.json", callId), headers);

        Assert.Equal(accepted ? 200 : 401, response.Status);
        Assert.Equal(accepted ? 1 : 0, (await RowsAsync(callId)).Count);
        if (!accepted)
        {
            Assert.StartsWith("application/problem+json", response.ContentType);
        }
    }

    [Theory]
    [InlineData("fresh seconds", 0, false, true)]
    [InlineData("fresh milliseconds", -30, true, true)]
    [InlineData("stale", -301, false, false)]
    [InlineData("from the future", 301, false, false)]
    public async Task Hmac_signatures_are_checked_over_the_raw_body_within_the_tolerance(string what, int offsetSeconds, bool milliseconds, bool accepted)
    {
        var callId = $"bbbbbbbb-0000-4000-8000-{Math.Abs(what.GetHashCode()):D12}"[..36];
        var body = WithCallId("end-of-call-report-success.json", callId);
        var sent = _clock.GetUtcNow().AddSeconds(offsetSeconds);
        var timestamp = milliseconds ? sent.ToUnixTimeMilliseconds().ToString() : sent.ToUnixTimeSeconds().ToString();

        var response = await PostAsync(body, new() { ["x-timestamp"] = timestamp, ["x-signature"] = Sign(HmacKey, timestamp, body) });

        Assert.Equal(accepted ? 200 : 401, response.Status);
        Assert.Equal(accepted ? 1 : 0, (await RowsAsync(callId)).Count);
    }

    [Fact]
    public async Task A_signature_of_other_bytes_or_with_another_key_is_refused()
    {
        var body = WithCallId("end-of-call-report-success.json", "cccccccc-0000-4000-8000-000000000001");
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds().ToString();

        var tamperedBody = body.Replace("customer-ended-call", "assistant-ended-call");
        Assert.NotEqual(body, tamperedBody);
        var tampered = await PostAsync(tamperedBody, new() { ["x-timestamp"] = timestamp, ["x-signature"] = Sign(HmacKey, timestamp, body) });
        var otherKey = await PostAsync(body, new() { ["x-timestamp"] = timestamp, ["x-signature"] = Sign("another-key-entirely-000", timestamp, body) });

        Assert.Equal(401, tampered.Status);
        Assert.Equal(401, otherKey.Status);
        Assert.Empty(await RowsAsync("cccccccc-0000-4000-8000-000000000001"));
    }

    [Fact]
    public async Task Hmac_headers_encoding_and_prefix_are_configurable()
    {
        await using var services = database.CreateServices(_clock, new()
        {
            ["Vapi:Webhook:HmacSecrets:0"] = HmacKey,
            ["Vapi:Webhook:SignatureHeader"] = "x-vapi-signature",
            ["Vapi:Webhook:TimestampHeader"] = "x-vapi-timestamp",
            ["Vapi:Webhook:SignatureEncoding"] = "base64",
            ["Vapi:Webhook:SignaturePrefix"] = "sha256=",
        });
        var body = WithCallId("end-of-call-report-success.json", "dddddddd-0000-4000-8000-000000000001");
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds().ToString();
        var signature = "sha256=" + Convert.ToBase64String(Convert.FromHexString(Sign(HmacKey, timestamp, body)));

        var response = await PostAsync(services, body, new() { ["x-vapi-timestamp"] = timestamp, ["x-vapi-signature"] = signature });

        Assert.Equal(200, response.Status);
    }

    [Fact]
    public void The_app_refuses_to_start_without_any_webhook_credential()
    {
        using var services = database.CreateServices(settings: new());
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VapiWebhookOptions>>().Value);
        Assert.Contains("Vapi:Webhook:Secrets:0", error.Message);
    }

    [Fact]
    public async Task A_database_outage_gives_503_and_the_retried_delivery_is_stored_once()
    {
        const string callId = "eeeeeeee-0000-4000-8000-000000000001";
        var body = WithCallId("end-of-call-report-success.json", callId);
        await using var down = database.CreateServices(_clock, new(Settings)
        {
            ["ConnectionStrings:Billing"] = "Host=127.0.0.1;Port=1;Database=billing;Username=x;Password=y;Timeout=2",
        });

        var outage = await PostAsync(down, body, new() { ["X-Vapi-Secret"] = Secret });
        Assert.Equal(503, outage.Status);
        Assert.Equal("30", outage.Headers.RetryAfter.ToString());
        Assert.Empty(await RowsAsync(callId));

        Assert.Equal(200, (await PostAsync(body)).Status);
        Assert.Equal(200, (await PostAsync(body)).Status);
        Assert.Single(await RowsAsync(callId));
    }

    private static string Sign(string key, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    private async Task<int> CountAsync()
    {
        await using var db = database.CreateContext();
        return await db.UsageLogs.CountAsync();
    }
}
