using System.Globalization;
using Billing.Domain.Invoicing;

namespace Billing.Bench;

/// <summary>
/// The suites' data, generated in PostgreSQL from a seeded counter-based generator: draw k of row g is
/// <c>hashint8extended(g, seed + k)</c>, so every run writes the same rows, in any order and at any size, without a
/// round trip per row. Per client: 1-3 assistants, a monthly fee, a rate, included minutes and a minute rounding. Per
/// call: a length of 10 s to 20 min (to the tenth of a second), 5% failed calls (a Vapi fault: recorded, not billed),
/// 0-4 tools, one of its client's assistants, a start spread over the window. Stored prices come from
/// <see cref="PeriodPricing"/>, as the recorder stores them.
/// </summary>
public static class BenchData
{
    public static readonly string[] Tools = ["checkAvailability", "bookAppointment", "transferCall", "sendSms", "lookupPatient", "cancelAppointment"];
    public const string FailedReason = "call.in-progress.error-vapifault-openai-llm-failed";

    /// <summary>A uniform integer in [0, <paramref name="count"/>) for row <paramref name="row"/> and draw <paramref name="draw"/>.</summary>
    public static string Draw(string row, int draw, int count) =>
        $"((hashint8extended(({row})::bigint, {BenchContext.Seed * 1000 + draw}) % {count} + {count}) % {count})";

    public static string ClientId(string prefix, string index) => $"'{prefix}' || lpad(({index})::text, 5, '0')";

    /// <summary>How many assistants client <paramref name="index"/> has (1-3): a function of the client alone, so calls can pick one.</summary>
    private static string AssistantCount(string index) => $"(1 + {Draw(index, 1, 3)})";

    private static string Rate(string index) => $"(0.30 + {Draw(index, 2, 50)} / 100.0)";

    private static string Rounding(string index) =>
        $"(CASE WHEN {Draw(index, 5, 20)} < 16 THEN 'per_minute' WHEN {Draw(index, 5, 20)} < 19 THEN 'per_second' ELSE 'exact' END)";

    /// <summary><paramref name="clients"/> clients billed from <paramref name="billingStart"/>, with their assistants.</summary>
    public static string ClientsSql(string prefix, int clients, DateOnly billingStart) => $"""
        INSERT INTO "Client" ("clientId", "clientName", "taxaLunara", "costPerMinut", "includedMinutes", "minuteRounding", "billingStartDate")
        SELECT {ClientId(prefix, "g")}, 'Bench client ' || g, 100 + {Draw("g", 3, 900)}, {Rate("g")},
               (ARRAY[0, 0, 100, 300])[1 + {Draw("g", 4, 4)}],
               {Rounding("g")},
               date '{billingStart:yyyy-MM-dd}'
        FROM generate_series(1, {clients}) g;
        INSERT INTO "ClientAssistant" ("kind", "vapiId", "clientId")
        SELECT 'assistant', 'asst_' || {ClientId(prefix, "g")} || '_' || a, {ClientId(prefix, "g")}
        FROM generate_series(1, {clients}) g, generate_series(1, {AssistantCount("g")}) a;
        """;

    /// <summary>
    /// <paramref name="calls"/> calls of <paramref name="clients"/> clients, starting in [from, from + seconds); one in
    /// <paramref name="unattributedEvery"/> (when set) has no client yet, as a call of an unmapped assistant.
    /// </summary>
    public static string CallsSql(string prefix, int clients, int calls, DateTimeOffset from, int seconds, int? unattributedEvery = null)
    {
        var tools = string.Join(", ", Tools.Concat(Tools).Select(t => $"'{t}'"));
        var start = from.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        var attributed = unattributedEvery is { } every ? $"g % {every} <> 0" : "true";
        return $"""
            WITH call AS (
                SELECT g, 1 + {Draw("g", 10, clients)} AS client, 10 + {Draw("g", 11, 11901)} / 10.0 AS duration,
                       {Draw("g", 12, 100)} < 5 AS failed, {Draw("g", 13, 5)} AS tool_count, {Draw("g", 14, Tools.Length)} AS first_tool,
                       timestamptz '{start}+00' + {Draw("g", 15, seconds)} * interval '1 second' AS started_at,
                       {attributed} AS attributed
                FROM generate_series(1, {calls}) g
            ), priced AS (
                SELECT call.*, {PeriodPricing.BillableSecondsSql("duration", Rounding("client"))} AS billable_seconds, {Rate("client")} AS rate
                FROM call
            )
            INSERT INTO "UsageLog" ("callId", "clientId", "vapiAssistantId", "startedAt", "endedAt", "duration", "billableSeconds",
                "durationMinutes", "toolsUsed", "cost", "vapiCost", "endedReason", "outcome", "billable", "incomplete", "source")
            SELECT 'bench-call-' || g, CASE WHEN attributed THEN {ClientId(prefix, "client")} END,
                   'asst_' || {ClientId(prefix, "client")} || '_' || (1 + {Draw("g", 16, 6)} % {AssistantCount("client")}),
                   started_at, started_at + duration * interval '1 second', duration, billable_seconds, round(duration / 60, 4),
                   (ARRAY[{tools}])[first_tool + 1 : first_tool + tool_count],
                   {PeriodPricing.CallCostSql("billable_seconds", "rate")}, round(duration * 0.0008, 6),
                   CASE WHEN failed THEN '{FailedReason}' ELSE 'customer-ended-call' END,
                   CASE WHEN failed THEN 'error' ELSE 'success' END, attributed AND NOT failed, false, 'webhook'
            FROM priced;
            """;
    }
}
