using Billing.Domain.Access;
using Billing.Domain.Usage;

namespace Billing.Functions.Usage;

/// <summary>End-of-call reports refused for a billing field and kept in the quarantine (admin): listed, and replayed
/// through the webhook's own ingestion once the cause is fixed.</summary>
public sealed class QuarantineFunctions(QuarantineReplay quarantine, CallerResolver callers)
{
    [Function(nameof(ListQuarantinedReports))]
    public Task<IResult> ListQuarantinedReports(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "quarantine")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Admin, ["all", "limit"], (_, q) =>
        {
            var all = q.Text("all", 5);
            q.Check(all is null or "true" or "false", "all", "Expected true or false.");
            var limit = q.Int("limit", 100, 1, 1000);
            return q.RespondAsync(async () =>
                q.List((await quarantine.ListAsync(all == "true", limit, ct)).Select(QuarantinedReportView.From).ToList()));
        }, ct);

    [Function(nameof(ReplayQuarantinedReports))]
    public Task<IResult> ReplayQuarantinedReports(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "quarantine/replay")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Admin, _ => ReplayAsync(null, ct), ct);

    [Function(nameof(ReplayQuarantinedReport))]
    public Task<IResult> ReplayQuarantinedReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "quarantine/{id}/replay")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Admin, async _ =>
            Guid.TryParse(id, out var reportId) ? await ReplayAsync(reportId, ct) : Problems.NotFound($"No quarantined report '{id}'."), ct);

    private async Task<IResult> ReplayAsync(Guid? id, CancellationToken ct) =>
        await quarantine.ReplayAsync(id, ct) is { } results
            ? TypedResults.Ok(new ReplayView(results.Count(r => r.Recorded), results.Count(r => !r.Recorded), results))
            : Problems.NotFound($"No quarantined report '{id}'.");
}

public sealed record QuarantinedReportView(Guid Id, string? CallId, string Source, string Reason, string ReceivedAt, int PayloadBytes,
    string? ReplayedAt, string? ReplayOutcome, int ReplayAttempts, string? LastReplayError)
{
    public static QuarantinedReportView From(QuarantineReplay.Entry e) => new(e.Id, e.CallId, e.Source, e.Reason, Formats.Instant(e.ReceivedAt),
        e.PayloadBytes, Formats.Instant(e.ReplayedAt), e.ReplayOutcome, e.ReplayAttempts, e.LastReplayError);
}

public sealed record ReplayView(int Recorded, int StillRefused, IReadOnlyList<QuarantineReplay.Replayed> Reports);
