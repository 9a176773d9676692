using System.Text.Json;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Domain.Usage;

/// <summary>
/// Keeps the end-of-call reports that were refused for a billing field (<see cref="QuarantinedReport"/>), lists them and
/// replays them through the normal ingestion once the cause is fixed. The insert is one statement keyed by the body's
/// SHA-256, so a refused report is durable before its 422 and a byte-identical redelivery adds nothing.
/// </summary>
public sealed class ReportQuarantine(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string QuarantineSql = """
        WITH ins AS (
            INSERT INTO "QuarantinedReport" ("payloadGzip", "payloadSha256", "payloadBytes", "callId", "source", "reason", "receivedAt", "replayAttempts")
            VALUES ($1, $2, $3, $4, $5, $6, $7, 0)
            ON CONFLICT ("payloadSha256") DO NOTHING
            RETURNING "id"
        )
        SELECT "id" FROM ins UNION ALL SELECT "id" FROM "QuarantinedReport" WHERE "payloadSha256" = $2
        LIMIT 1
        """;

    /// <summary>Stores the refused report (or finds the same bytes stored before) and returns its quarantine id.</summary>
    public async Task<Guid> QuarantineAsync(ReadOnlyMemory<byte> body, UsageSource source, string? callId,
        IReadOnlyDictionary<string, string[]> errors, CancellationToken ct)
    {
        var raw = RawReport.Of(body.Span);
        await using var command = dataSource.CreateCommand(QuarantineSql);
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = raw.Gzip });
        command.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = raw.Sha256 });
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = raw.Length });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = (object?)callId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = TextEnum.ToText(source, TextCase.Lower) });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Describe(errors) });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
        return (Guid)(await command.ExecuteScalarAsync(ct))!;
    }

    public static string Describe(IReadOnlyDictionary<string, string[]> errors) =>
        VapiCallParser.Descriptive(string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")), 2000)!;

    /// <summary>The call id of a refused report, when it has a usable one, to find it by call later.</summary>
    public static string? CallIdOf(JsonElement message) =>
        message.TryGetProperty("call", out var call) && call.ValueKind == JsonValueKind.Object
        && call.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            ? VapiCallParser.Descriptive(TryGetString(id), VapiCallParser.MaxIdLength) : null;

    private static string? TryGetString(JsonElement value)
    {
        try
        {
            return value.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}

/// <summary>Replays quarantined reports through <see cref="EndOfCallReportIngestion"/>: recorded ones are closed with the
/// outcome, refused ones stay open with the new reason.</summary>
public sealed class QuarantineReplay(BillingDbContext db, EndOfCallReportIngestion ingestion, TimeProvider clock)
{
    public sealed record Entry(Guid Id, string? CallId, string Source, string Reason, DateTimeOffset ReceivedAt, int PayloadBytes,
        DateTimeOffset? ReplayedAt, string? ReplayOutcome, int ReplayAttempts, string? LastReplayError);

    public sealed record Replayed(Guid Id, string? CallId, bool Recorded, string Outcome, string? Error);

    public async Task<List<Entry>> ListAsync(bool includeReplayed, int limit, CancellationToken ct) =>
        (await db.QuarantinedReports.AsNoTracking().Where(r => includeReplayed || r.ReplayedAt == null)
            .OrderBy(r => r.ReceivedAt).ThenBy(r => r.Id).Take(limit).ToListAsync(ct))
        .Select(r => new Entry(r.Id, r.CallId, TextEnum.ToText(r.Source, TextCase.Lower), r.Reason, r.ReceivedAt, r.PayloadBytes,
            r.ReplayedAt, r.ReplayOutcome, r.ReplayAttempts, r.LastReplayError))
        .ToList();

    /// <summary>Replays one report (<paramref name="id"/>) or every open one, oldest first. Null when the id is unknown.</summary>
    public async Task<List<Replayed>?> ReplayAsync(Guid? id, CancellationToken ct)
    {
        var reports = await db.QuarantinedReports.Where(r => id == null ? r.ReplayedAt == null : r.Id == id)
            .OrderBy(r => r.ReceivedAt).ThenBy(r => r.Id).ToListAsync(ct);
        if (id is not null && reports.Count == 0)
        {
            return null;
        }
        var results = new List<Replayed>();
        foreach (var report in reports)
        {
            var body = new RawReport(report.PayloadGzip, report.PayloadSha256, report.PayloadBytes).Decompress();
            var result = await ingestion.IngestAsync(body, report.Source, completeFromVapiWithin: null, ct, keepRefused: false);
            report.ReplayAttempts++;
            var recorded = result is not EndOfCallReportIngestion.Invalid;
            switch (result)
            {
                case EndOfCallReportIngestion.Recorded call:
                    report.ReplayedAt ??= clock.GetUtcNow();
                    report.ReplayOutcome = TextEnum.ToText(call.Outcome, TextCase.Lower);
                    report.LastReplayError = null;
                    break;
                case EndOfCallReportIngestion.Ignored:
                    report.ReplayedAt ??= clock.GetUtcNow();
                    report.ReplayOutcome = "ignored";
                    break;
                case EndOfCallReportIngestion.Invalid invalid:
                    report.LastReplayError = ReportQuarantine.Describe(invalid.Errors);
                    break;
            }
            // Saved per report: what was recorded stays recorded even if a later one fails.
            await db.SaveChangesAsync(ct);
            results.Add(new Replayed(report.Id, report.CallId, recorded, recorded ? report.ReplayOutcome! : "refused", report.LastReplayError));
        }
        return results;
    }
}

/// <summary>A parsed call that the database would still refuse (e.g. a price beyond <c>numeric(14,6)</c>), named by field.</summary>
public sealed class UnrecordableCallException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("The call cannot be recorded: " + ReportQuarantine.Describe(errors))
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;
}
