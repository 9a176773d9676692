using Billing.Domain.Access;
using Billing.Domain.Invoicing;
using Billing.Domain.Reports;

namespace Billing.Functions.Invoicing;

/// <summary>The clients the billing cycle skipped because a step failed on their data (admin; docs/decisions/0021).</summary>
public sealed class ClientFailureFunctions(ClientFailures failures, CallerResolver callers)
{
    [Function(nameof(ListClientFailures))]
    public Task<IResult> ListClientFailures(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "client-failures")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Admin, ["all", "clientId", "limit", "cursor"], (_, q) =>
        {
            var all = q.Text("all", 5);
            q.Check(all is null or "true" or "false", "all", "Expected true or false.");
            var clientId = q.Text("clientId", 100);
            var limit = q.Int("limit", 100, 1, ClientFailures.MaxLimit);
            var cursor = q.Text("cursor", 1000);
            return q.RespondAsync(async () =>
            {
                try
                {
                    var page = await failures.ListAsync(all == "true", clientId, limit, cursor, ct);
                    return q.List(page.Items.Select(ClientFailureView.From).ToList(), page.NextCursor);
                }
                catch (InvalidCursorException e)
                {
                    return Problems.Invalid("cursor", e.Message + " Start again without one.");
                }
            });
        }, ct);
}

public sealed record ClientFailureView(Guid Id, string ClientId, string Step, string? Period, string Error, string FirstSeenAt, string LastSeenAt,
    int Attempts, Guid? LastRunId, string? RetryFrom, string? ResolvedAt)
{
    public static ClientFailureView From(ClientFailure f) => new(f.Id, f.ClientId, f.Step, f.Period, f.Error, Formats.Instant(f.FirstSeenAt),
        Formats.Instant(f.LastSeenAt), f.Attempts, f.LastRunId, Formats.Instant(f.RetryFrom), Formats.Instant(f.ResolvedAt));
}
