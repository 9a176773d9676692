using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Npgsql;

namespace Billing.Domain.Usage;

public enum RecordOutcome
{
    /// <summary>A new usage row.</summary>
    Inserted,
    /// <summary>An incomplete row was completed by fuller data.</summary>
    Completed,
    /// <summary>A replay or a duplicate: nothing changed.</summary>
    Unchanged,
}

/// <summary>
/// The one way a call becomes a <c>UsageLog</c> row, for the webhook, imports and reconciliation alike. A single
/// statement finds the call's client and its terms in force at the call's start, prices the call with them
/// (<see cref="PeriodPricing"/>'s SQL form), inserts the row keyed by <c>callId</c> and, in the same statement, its raw
/// report, so either both are durable or neither is. Terms are read by the statement that writes, so no terms change
/// can slip between a read and the write, and there is nothing to cache or retry. Replays change nothing; concurrent
/// deliveries write one row; fuller data completes an incomplete row (never billed: incomplete rows bill nothing); a
/// complete row is never touched.
/// </summary>
public sealed class UsageRecorder(NpgsqlDataSource dataSource, TimeProvider clock, RawReportRetention retention, Telemetry.BillingMetrics metrics)
{
    /// <summary>
    /// Records the call; the first column is false (nothing written) when its price would not fit the "cost" column,
    /// the second null for an unchanged row. Whether a call bills: attributed, complete, connected, and not a Vapi fault
    /// unless its client pays those (<see cref="CallPricing"/> in C#).
    /// </summary>
    private static readonly string RecordSql = $"""
        WITH terms AS (
            {CallAttribution.TermsSql("@assistant_id", "@squad_id", "@phone_number_id", "COALESCE(@started_at, @vapi_created_at, @ended_at, now())")}
        ), attributed AS (
            SELECT t."clientId" AS client_id, t."minuteRounding" AS rounding, t."costPerMinut" AS rate,
                   t."clientId" IS NOT NULL AND NOT @incomplete AND @connected AND (t."billVapiFaults" OR NOT @vapi_fault) AS billable
            FROM (SELECT 1) one LEFT JOIN terms t ON true
        ), seconds AS (
            SELECT a.*, CASE WHEN a.billable THEN {PeriodPricing.BillableSecondsSql("@duration", "a.rounding")} ELSE 0 END AS billable_seconds
            FROM attributed a
        ), priced AS (
            SELECT s.*, CASE WHEN s.billable THEN {PeriodPricing.CallCostSql("s.billable_seconds", "s.rate")} ELSE 0 END AS cost FROM seconds s
        ), u AS (
            INSERT INTO "UsageLog" ("callId", "clientId", "vapiAssistantId", "vapiSquadId", "vapiPhoneNumberId", "vapiCustomerId",
                "startedAt", "endedAt", "vapiCreatedAt", "duration", "billableSeconds", "durationMinutes", "toolsUsed", "cost",
                "vapiCost", "endedReason", "outcome", "billable", "incomplete", "source")
            SELECT @call_id, p.client_id, @assistant_id, @squad_id, @phone_number_id, @customer_id, @started_at, @ended_at, @vapi_created_at,
                   @duration, p.billable_seconds, round(p.billable_seconds / 60, 4), @tools, p.cost, @vapi_cost, @ended_reason, @outcome,
                   p.billable, @incomplete, @source
            FROM priced p WHERE p.cost <= @max_cost
            ON CONFLICT ("callId") DO UPDATE SET
                "clientId" = EXCLUDED."clientId", "vapiAssistantId" = EXCLUDED."vapiAssistantId",
                "vapiSquadId" = EXCLUDED."vapiSquadId", "vapiPhoneNumberId" = EXCLUDED."vapiPhoneNumberId",
                "vapiCustomerId" = EXCLUDED."vapiCustomerId", "startedAt" = EXCLUDED."startedAt", "endedAt" = EXCLUDED."endedAt",
                "vapiCreatedAt" = EXCLUDED."vapiCreatedAt", "duration" = EXCLUDED."duration",
                "billableSeconds" = EXCLUDED."billableSeconds", "durationMinutes" = EXCLUDED."durationMinutes",
                "toolsUsed" = EXCLUDED."toolsUsed", "cost" = EXCLUDED."cost", "vapiCost" = EXCLUDED."vapiCost",
                "endedReason" = EXCLUDED."endedReason", "outcome" = EXCLUDED."outcome", "billable" = EXCLUDED."billable",
                "incomplete" = false
            WHERE "UsageLog"."incomplete" AND NOT EXCLUDED."incomplete"
            RETURNING (xmax = 0) AS inserted
        ), r AS (
            INSERT INTO "VapiCallReport" ("callId", "payloadGzip", "payloadSha256", "payloadBytes", "receivedAt", "expiresAt")
            SELECT @call_id, @payload_gzip, @payload_sha256, @payload_bytes, @received_at, @expires_at FROM u WHERE @payload_gzip IS NOT NULL
            ON CONFLICT ("callId") DO UPDATE SET "payloadGzip" = EXCLUDED."payloadGzip", "payloadSha256" = EXCLUDED."payloadSha256",
                "payloadBytes" = EXCLUDED."payloadBytes", "receivedAt" = EXCLUDED."receivedAt", "expiresAt" = EXCLUDED."expiresAt"
        )
        SELECT (SELECT cost <= @max_cost FROM priced), (SELECT inserted FROM u)
        """;

    public async Task<RecordOutcome> RecordAsync(VapiCall call, UsageSource source, RawReport? raw, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var statement = new Sql(RecordSql)
            .With("call_id", call.CallId)
            .With("assistant_id", call.AssistantId)
            .With("squad_id", call.SquadId)
            .With("phone_number_id", call.PhoneNumberId)
            .With("customer_id", call.CustomerId)
            .With("started_at", call.StartedAt)
            .With("ended_at", call.EndedAt)
            .With("vapi_created_at", call.CreatedAt)
            .With("duration", call.DurationSeconds)
            .With("tools", call.ToolsUsed.ToArray())
            .With("vapi_cost", call.VapiCost)
            .With("ended_reason", call.EndedReason)
            .With("outcome", TextEnum.ToText(call.Outcome, TextCase.Lower))
            .With("incomplete", call.Incomplete)
            .With("connected", CallOutcomes.Classify(call.EndedReason) != CallOutcome.NotConnected)
            .With("vapi_fault", CallOutcomes.IsVapiFault(call.EndedReason))
            .With("source", TextEnum.ToText(source, TextCase.Lower))
            .With("payload_gzip", raw?.Gzip)
            .With("payload_sha256", raw?.Sha256)
            .With("payload_bytes", raw?.Length ?? 0)
            .With("received_at", now)
            .With("expires_at", now + retention.Period)
            .With("max_cost", VapiCallParser.MaxCost);
        List<(bool Fits, bool? Inserted)> result;
        try
        {
            result = await statement.ListAsync(dataSource, r => (r.GetBoolean(0), r.IsDBNull(1) ? (bool?)null : r.GetBoolean(1)), ct);
        }
        catch (PostgresException e) when (e.SqlState.StartsWith("22", StringComparison.Ordinal) || e.SqlState == PostgresErrorCodes.CheckViolation)
        {
            // A data exception the parser did not foresee: that call's problem (quarantined), never a 500 for Vapi to retry forever.
            // PostgreSQL's own text names constraints, tables and values; the answer (and the quarantine reason) is our sentence.
            throw new UnrecordableCallException(new Dictionary<string, string[]>
            {
                ["message"] = [e.SqlState == PostgresErrorCodes.CheckViolation
                    ? "The database refused a value of the call: it breaks a rule of the usage table (a duration, cost or date out of bounds)."
                    : "The database refused a value of the call: a number, date or text it cannot store (out of range or malformed)."],
            });
        }
        var (fits, inserted) = result.Single();
        if (!fits)
        {
            throw new UnrecordableCallException(new Dictionary<string, string[]>
            {
                ["cost"] = [$"At the client's rate the call would cost more than {VapiCallParser.MaxCost.ToString(System.Globalization.CultureInfo.InvariantCulture)} (the column's limit)."],
            });
        }
        var outcome = inserted is null ? RecordOutcome.Unchanged : inserted.Value ? RecordOutcome.Inserted : RecordOutcome.Completed;
        metrics.CallRecorded(source, outcome);
        return outcome;
    }
}
