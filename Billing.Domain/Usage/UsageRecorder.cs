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
public sealed class UsageRecorder(NpgsqlDataSource dataSource, TimeProvider clock, RawReportRetention retention)
{
    private const string TermsSql = """
        SELECT c."clientId", c."minuteRounding", c."costPerMinut", c."billVapiFaults"
        FROM "ClientAssistant" a JOIN "Client" c ON c."clientId" = a."clientId"
        WHERE (a."kind" = 'assistant' AND a."vapiId" = $1)
           OR (a."kind" = 'squad' AND a."vapiId" = $2)
           OR (a."kind" = 'phone_number' AND a."vapiId" = $3)
        ORDER BY CASE a."kind" WHEN 'assistant' THEN 0 WHEN 'squad' THEN 1 ELSE 2 END
        LIMIT 1
        """;

    private const string RecordSql = """
        WITH u AS (
            INSERT INTO "UsageLog" ("callId", "clientId", "vapiAssistantId", "vapiSquadId", "vapiPhoneNumberId", "vapiCustomerId",
                "startedAt", "endedAt", "vapiCreatedAt", "duration", "billableSeconds", "durationMinutes", "toolsUsed", "cost",
                "vapiCost", "endedReason", "outcome", "billable", "incomplete", "source")
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)
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
        SELECT inserted FROM u
        """;

    public async Task<RecordOutcome> RecordAsync(VapiCall call, UsageSource source, RawReport? raw, CancellationToken ct)
    {
        var terms = await TermsForAsync(call, ct);
        var price = CallPricing.Of(call, terms);
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

        var result = await command.ExecuteScalarAsync(ct);
        return result switch
        {
            true => RecordOutcome.Inserted,
            false => RecordOutcome.Completed,
            _ => RecordOutcome.Unchanged,
        };
    }

    /// <summary>The client whose assistant (else squad, else phone number) made the call; null when none is mapped.</summary>
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
