using Billing.Domain.Clients;
using Billing.Domain.Common;
using Npgsql;
using NpgsqlTypes;

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
/// statement inserts the row keyed by <c>callId</c> and, in the same statement, its raw report, so either both are
/// durable or neither is. Replays change nothing; concurrent deliveries write one row; fuller data completes an
/// incomplete row (never billed: incomplete rows bill nothing); a complete row is never touched.
/// </summary>
public sealed class UsageRecorder(NpgsqlDataSource dataSource, TimeProvider clock, RawReportRetention retention, Telemetry.BillingMetrics metrics)
{
    private static readonly string TermsSql = CallAttribution.TermsSql("$1", "$2", "$3", "$4");

    /// <summary>
    /// Records the call priced with the terms in $2 and $26-$28, only if they are still the mapping's current terms
    /// (first column false otherwise: nothing written). The second column is null for an unchanged row.
    /// </summary>
    private static readonly string RecordSql = $"""
        WITH terms AS (
            {CallAttribution.TermsSql("$3", "$4", "$5", "COALESCE($7, $9, $8, now())")}
        ), priced_with_current_terms AS (
            SELECT CASE WHEN EXISTS (SELECT 1 FROM terms)
                        THEN EXISTS (SELECT 1 FROM terms t WHERE t."clientId" = $2 AND t."minuteRounding" = $26
                                     AND t."costPerMinut" = $27 AND t."billVapiFaults" = $28)
                        ELSE $2 IS NULL END AS ok
        ), u AS (
            INSERT INTO "UsageLog" ("callId", "clientId", "vapiAssistantId", "vapiSquadId", "vapiPhoneNumberId", "vapiCustomerId",
                "startedAt", "endedAt", "vapiCreatedAt", "duration", "billableSeconds", "durationMinutes", "toolsUsed", "cost",
                "vapiCost", "endedReason", "outcome", "billable", "incomplete", "source")
            SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20
            FROM priced_with_current_terms WHERE ok
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
            SELECT $1, $21, $22, $23, $24, $25 FROM u WHERE $21::bytea IS NOT NULL
            ON CONFLICT ("callId") DO UPDATE SET "payloadGzip" = EXCLUDED."payloadGzip", "payloadSha256" = EXCLUDED."payloadSha256",
                "payloadBytes" = EXCLUDED."payloadBytes", "receivedAt" = EXCLUDED."receivedAt", "expiresAt" = EXCLUDED."expiresAt"
        )
        SELECT (SELECT ok FROM priced_with_current_terms), (SELECT inserted FROM u)
        """;

    public async Task<RecordOutcome> RecordAsync(VapiCall call, UsageSource source, RawReport? raw, CancellationToken ct)
    {
        var terms = await TermsForAsync(call, ct);
        // Terms can change between reading and recording; a second change within that moment is the only reason for a third try.
        for (var attempt = 1; ; attempt++)
        {
            var (current, outcome) = await TryRecordAsync(call, terms, source, raw, ct);
            if (current)
            {
                metrics.CallRecorded(source, outcome);
                return outcome;
            }
            if (attempt == 3)
            {
                throw new InvalidOperationException($"The terms of call {call.CallId}'s client kept changing while it was recorded.");
            }
            terms = await TermsForAsync(call, ct);
        }
    }

    private async Task<(bool CurrentTerms, RecordOutcome Outcome)> TryRecordAsync(VapiCall call, CallPricing.Terms? terms, UsageSource source,
        RawReport? raw, CancellationToken ct)
    {
        var price = CallPricing.Of(call, terms);
        if (price.Cost > VapiCallParser.MaxCost)
        {
            throw new UnrecordableCallException(new Dictionary<string, string[]>
            {
                ["cost"] = [$"At the client's rate the call would cost more than {VapiCallParser.MaxCost.ToString(System.Globalization.CultureInfo.InvariantCulture)} (the column's limit)."],
            });
        }
        var now = clock.GetUtcNow();

        await using var command = dataSource.CreateCommand(RecordSql);
        var p = command.Parameters;
        p.Add(new NpgsqlParameter<string> { TypedValue = call.CallId });
        p.Add(Text(terms?.ClientId));
        p.Add(Text(call.AssistantId));
        p.Add(Text(call.SquadId));
        p.Add(Text(call.PhoneNumberId));
        p.Add(Text(call.CustomerId));
        p.Add(Instant(call.StartedAt));
        p.Add(Instant(call.EndedAt));
        p.Add(Instant(call.CreatedAt));
        p.Add(new NpgsqlParameter<decimal> { TypedValue = call.DurationSeconds });
        p.Add(new NpgsqlParameter<decimal> { TypedValue = price.BillableSeconds });
        p.Add(new NpgsqlParameter<decimal> { TypedValue = price.DurationMinutes });
        p.Add(new NpgsqlParameter<string[]> { TypedValue = call.ToolsUsed.ToArray() });
        p.Add(new NpgsqlParameter<decimal> { TypedValue = price.Cost });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Numeric, Value = (object?)call.VapiCost ?? DBNull.Value });
        p.Add(Text(call.EndedReason));
        p.Add(new NpgsqlParameter<string> { TypedValue = TextEnum.ToText(call.Outcome, TextCase.Lower) });
        p.Add(new NpgsqlParameter<bool> { TypedValue = price.Billable });
        p.Add(new NpgsqlParameter<bool> { TypedValue = call.Incomplete });
        p.Add(new NpgsqlParameter<string> { TypedValue = TextEnum.ToText(source, TextCase.Lower) });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)raw?.Gzip ?? DBNull.Value });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = (object?)raw?.Sha256 ?? DBNull.Value });
        p.Add(new NpgsqlParameter<int> { TypedValue = raw?.Length ?? 0 });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now });
        p.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = now + retention.Period });
        p.Add(Text(terms is null ? null : TextEnum.ToText(terms.Rounding, TextCase.Lower)));
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Numeric, Value = (object?)terms?.PricePerMinute ?? DBNull.Value });
        p.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Boolean, Value = (object?)terms?.BillVapiFaults ?? DBNull.Value });

        NpgsqlDataReader reader;
        try
        {
            reader = await command.ExecuteReaderAsync(ct);
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
        await using var _ = reader;
        await reader.ReadAsync(ct);
        var outcome = reader.IsDBNull(1) ? RecordOutcome.Unchanged : reader.GetBoolean(1) ? RecordOutcome.Inserted : RecordOutcome.Completed;
        return (reader.GetBoolean(0), outcome);
    }

    /// <summary>The client whose assistant (else squad, else phone number) made the call, with its terms in force at the
    /// call's start; null when none is mapped.</summary>
    public async Task<CallPricing.Terms?> TermsForAsync(VapiCall call, CancellationToken ct)
    {
        if (call.AssistantId is null && call.SquadId is null && call.PhoneNumberId is null)
        {
            return null;
        }
        await using var command = dataSource.CreateCommand(TermsSql);
        command.Parameters.Add(Text(call.AssistantId));
        command.Parameters.Add(Text(call.SquadId));
        command.Parameters.Add(Text(call.PhoneNumberId));
        command.Parameters.Add(Instant(call.StartedAt ?? call.CreatedAt ?? call.EndedAt ?? clock.GetUtcNow()));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new CallPricing.Terms(reader.GetString(0), TextEnum.Parse<MinuteRounding>(reader.GetString(1)), reader.GetDecimal(2), reader.GetBoolean(3))
            : null;
    }

    private static NpgsqlParameter Text(string? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.Text, Value = (object?)value ?? DBNull.Value };

    private static NpgsqlParameter Instant(DateTimeOffset? value) =>
        new() { NpgsqlDbType = NpgsqlDbType.TimestampTz, Value = (object?)value ?? DBNull.Value };
}
