using System.Diagnostics;
using System.Text.Json;
using Billing.Domain.Telemetry;
using Microsoft.Extensions.Logging;

namespace Billing.Domain.Usage;

/// <summary>
/// Takes one Vapi server message as raw bytes (from the webhook or an import file) and records it if it is an
/// end-of-call report. Host-independent, so the HTTP function and the CLI run exactly the same code.
/// </summary>
public sealed class EndOfCallReportIngestion(UsageRecorder recorder, UsageCompletion completion, BillingMetrics metrics,
    ReportQuarantine quarantine,
    ILogger<EndOfCallReportIngestion> logger)
{
    public const string EndOfCallReportType = "end-of-call-report";

    public abstract record Result;
    /// <summary>Another message type: acknowledged, nothing stored.</summary>
    public sealed record Ignored(string? MessageType) : Result;
    /// <summary>Not a usable message; <see cref="Malformed"/> = not JSON or not an envelope (400), otherwise a billing field of an
    /// end-of-call report is unusable (422) and the report was kept in the quarantine (<see cref="QuarantineId"/>).</summary>
    public sealed record Invalid(IReadOnlyDictionary<string, string[]> Errors, bool Malformed, Guid? QuarantineId = null) : Result;
    public sealed record Recorded(string CallId, RecordOutcome Outcome, bool Incomplete) : Result;

    /// <param name="completeFromVapiWithin">When set, an incomplete call is completed from GET /call/{id} right away,
    /// waiting at most this long; otherwise reconciliation completes it later.</param>
    /// <param name="keepRefused">Whether a refused end-of-call report is quarantined (a replay from the quarantine says no).</param>
    public async Task<Result> IngestAsync(ReadOnlyMemory<byte> body, UsageSource source, TimeSpan? completeFromVapiWithin, CancellationToken ct,
        bool keepRefused = true)
    {
        using var activity = BillingMetrics.Activities.StartActivity("billing.report.ingest");
        var started = Stopwatch.GetTimestamp();
        var result = await IngestReportAsync(body, source, completeFromVapiWithin, keepRefused, ct);
        metrics.ReportIngested(source, result, Stopwatch.GetElapsedTime(started));
        if (activity is not null)
        {
            activity.SetTag("billing.source", source.ToString().ToLowerInvariant());
            activity.SetTag("billing.result", result.GetType().Name.ToLowerInvariant());
            if (result is Recorded recorded)
            {
                activity.SetTag("billing.call_id", recorded.CallId);
                activity.SetTag("billing.outcome", recorded.Outcome.ToString().ToLowerInvariant());
            }
        }
        return result;
    }

    private async Task<Result> IngestReportAsync(ReadOnlyMemory<byte> body, UsageSource source, TimeSpan? completeFromVapiWithin, bool keep,
        CancellationToken ct)
    {
        // System.Text.Json checks a string's UTF-8 only when it is read (GetString throws), so the whole body is
        // checked first: JSON is UTF-8 (RFC 8259), and a body that is not is malformed, never a 500.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return new Invalid(new Dictionary<string, string[]> { ["body"] = ["The body is not valid UTF-8."] }, Malformed: true);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            return new Invalid(new Dictionary<string, string[]> { ["body"] = ["The body is not valid JSON."] }, Malformed: true);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("message", out var message) || message.ValueKind != JsonValueKind.Object)
            {
                return new Invalid(new Dictionary<string, string[]> { ["message"] = ["Expected {\"message\": {\"type\": ...}}."] }, Malformed: true);
            }
            if (!message.TryGetProperty("type", out var typeElement) || typeElement.ValueKind != JsonValueKind.String)
            {
                return new Invalid(new Dictionary<string, string[]> { ["message.type"] = ["The message type is required."] }, Malformed: true);
            }
            var type = typeElement.GetString();
            if (type != EndOfCallReportType)
            {
                return new Ignored(type);
            }

            var parsed = VapiCallParser.FromEndOfCallReport(message);
            if (!parsed.IsValid)
            {
                return await RefuseAsync(body, source, message, parsed.Errors, keep, ct);
            }
            var call = parsed.Call!;
            RecordOutcome outcome;
            try
            {
                outcome = await recorder.RecordAsync(call, source, RawReport.Of(body.Span), ct);
            }
            catch (UnrecordableCallException e)
            {
                return await RefuseAsync(body, source, message, e.Errors, keep, ct);
            }
            using var scope = logger.BeginScope(new Dictionary<string, object> { ["CallId"] = call.CallId });
            logger.LogInformation("Call {CallId} recorded: {Outcome}, {Seconds} s, ended {EndedReason}{Incomplete}",
                call.CallId, outcome, call.DurationSeconds, call.EndedReason, call.Incomplete ? ", incomplete" : "");

            var stillIncomplete = call.Incomplete;
            if (call.Incomplete && outcome != RecordOutcome.Unchanged && completeFromVapiWithin is { } within)
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(within);
                stillIncomplete = await completion.TryCompleteAsync(call.CallId, timeout.Token) is not RecordOutcome.Completed;
            }
            return new Recorded(call.CallId, outcome, stillIncomplete);
        }
    }

    /// <summary>A report whose billing fields are unusable: kept in the quarantine before the 422, since Vapi's
    /// recommended retry plan does not retry 4xx and the call would otherwise be lost.</summary>
    private async Task<Invalid> RefuseAsync(ReadOnlyMemory<byte> body, UsageSource source, JsonElement message,
        IReadOnlyDictionary<string, string[]> errors, bool keep, CancellationToken ct)
    {
        var id = keep ? await quarantine.QuarantineAsync(body, source, ReportQuarantine.CallIdOf(message), errors, ct) : (Guid?)null;
        logger.LogWarning("Refused an end-of-call report: {Fields}; quarantine id {QuarantineId}", string.Join(", ", errors.Keys), id);
        return new Invalid(errors, Malformed: false, id);
    }
}
