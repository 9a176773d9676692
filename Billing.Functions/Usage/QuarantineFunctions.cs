using Billing.Domain.Access;
using Billing.Domain.Usage;
using Billing.Functions.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Usage;

/// <summary>End-of-call reports refused for a billing field and kept in the quarantine (admin): listed, and replayed
/// through the webhook's own ingestion once the cause is fixed.</summary>
public sealed class QuarantineFunctions(QuarantineReplay quarantine, CallerResolver callers)
{
    [Function(nameof(ListQuarantinedReports))]
    public async Task<IResult> ListQuarantinedReports(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "quarantine")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request, "all", "limit");
        var csv = Listing.WantsCsv(request, q);
        var all = q.Text("all", 5);
        q.Check(all is null or "true" or "false", "all", "Expected true or false.");
        var limit = q.Int("limit", 100, 1, 1000);
        if (!q.Valid)
        {
            return q.Problem;
        }
        var entries = await quarantine.ListAsync(all == "true", limit, ct);
        return Listing.Respond(csv, entries.Select(QuarantinedReportView.From).ToList());
    }

    [Function(nameof(ReplayQuarantinedReports))]
    public async Task<IResult> ReplayQuarantinedReports(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "quarantine/replay")] HttpRequest request, CancellationToken ct) =>
        await ReplayAsync(request, null, ct);

    [Function(nameof(ReplayQuarantinedReport))]
    public async Task<IResult> ReplayQuarantinedReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "quarantine/{id}/replay")] HttpRequest request, string id, CancellationToken ct) =>
        Guid.TryParse(id, out var reportId) ? await ReplayAsync(request, reportId, ct) : Problems.NotFound($"No quarantined report '{id}'.");

    private async Task<IResult> ReplayAsync(HttpRequest request, Guid? id, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var results = await quarantine.ReplayAsync(id, ct);
        return results is null
            ? Problems.NotFound($"No quarantined report '{id}'.")
            : TypedResults.Ok(new ReplayView(results.Count(r => r.Recorded), results.Count(r => !r.Recorded), results));
    }
}

public sealed record QuarantinedReportView(Guid Id, string? CallId, string Source, string Reason, string ReceivedAt, int PayloadBytes,
    string? ReplayedAt, string? ReplayOutcome, int ReplayAttempts, string? LastReplayError)
{
    public static QuarantinedReportView From(QuarantineReplay.Entry e) => new(e.Id, e.CallId, e.Source, e.Reason, Formats.Instant(e.ReceivedAt),
        e.PayloadBytes, Formats.Instant(e.ReplayedAt), e.ReplayOutcome, e.ReplayAttempts, e.LastReplayError);
}

public sealed record ReplayView(int Recorded, int StillRefused, IReadOnlyList<QuarantineReplay.Replayed> Reports);
