using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Billing.Domain.Usage;
using Billing.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using NSubstitute;

namespace Billing.Tests.Usage.Webhooks;

/// <summary>What the webhook writes for each report: one row per call, its raw report, replays and concurrent deliveries that change nothing, incomplete rows completed.</summary>
public sealed class WebhookRecordingTests(TestDatabase database) : WebhookTestBase(database)
{
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
        await using var db = Database.CreateContext();
        var raw = await db.VapiCallReports.SingleAsync(r => r.CallId == callId);
        Assert.Equal(Encoding.UTF8.GetBytes(Fixtures.Vapi(fixture)), new RawReport(raw.PayloadGzip, raw.PayloadSha256, raw.PayloadBytes).Decompress());
        Assert.Equal(Clock.GetUtcNow().AddDays(90), raw.ExpiresAt);
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
        await using var db = Database.CreateContext();
        var raw = await db.VapiCallReports.SingleAsync(r => r.CallId == callId);
        Assert.Equal(Encoding.UTF8.GetBytes(body), new RawReport(raw.PayloadGzip, raw.PayloadSha256, raw.PayloadBytes).Decompress());
        // Gzip bytes go out of line as they are (pglz on them is wasted work on the webhook's path), and a report
        // small enough for a page stays inline instead of becoming TOAST chunks.
        await using var connection = await Database.OpenConnectionAsync();
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
        await using var db = Database.CreateContext();
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
        VapiApi.GetCallAsync(callId, Arg.Any<CancellationToken>()).Returns(JsonDocument.Parse(apiCall.ToJsonString()).RootElement);

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
}
