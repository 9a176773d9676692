using static Billing.Functions.Infrastructure.Formats;

namespace Billing.Functions.Usage;

/// <summary>Call-level usage for audits, and the calls no client is mapped to yet.</summary>
public sealed class UsageFunctions(ReportQueries reports, CallerResolver callers)
{
    [Function(nameof(ListUsage))]
    public Task<IResult> ListUsage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "usage")] HttpRequest request, CancellationToken ct) =>
        ListAsync(request, unattributedOnly: false, ct);

    /// <summary>Calls whose assistant maps to no client; the cycle bills them once a mapping exists. Client keys see none.</summary>
    [Function(nameof(ListUnattributedUsage))]
    public Task<IResult> ListUnattributedUsage(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "usage/unattributed")] HttpRequest request, CancellationToken ct) =>
        ListAsync(request, unattributedOnly: true, ct);

    private Task<IResult> ListAsync(HttpRequest request, bool unattributedOnly, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, unattributedOnly ? ["from", "to", "limit", "cursor"] : ["clientId", "from", "to", "limit", "cursor"],
            (caller, q) =>
            {
                var clientId = unattributedOnly ? null : q.Text("clientId");
                var (from, to) = (q.Instant("from"), q.Instant("to"));
                q.Range(from, to, "from", "to");
                var limit = q.Int("limit", 100, 1, ReportQueries.MaxLimit);
                var cursor = q.Text("cursor", 1000);
                return q.RespondAsync(async () =>
                {
                    try
                    {
                        var page = await reports.UsageAsync(caller, clientId, unattributedOnly, from, to, limit, cursor, ct);
                        return q.List(page.Items.Select(UsageView.From).ToList(), page.NextCursor);
                    }
                    catch (InvalidCursorException e)
                    {
                        return Problems.Invalid("cursor", e.Message + " Start again without one.");
                    }
                });
            }, ct);
}

/// <summary>One call: its times, what it measured, our price (in the client's currency) and Vapi's cost (USD, agency keys only).</summary>
public sealed record UsageView(Guid Id, string CallId, string? ClientId, string? VapiAssistantId, string? StartedAt, string? EndedAt,
    string OccurredAt, string DurationSeconds, string BillableSeconds, string DurationMinutes, string Cost, string? Currency, [property: AgencyOnly] string? VapiCostUsd,
    string? EndedReason, string Outcome, bool Billable, bool Incomplete, IReadOnlyList<string> ToolsUsed, Guid? InvoiceId)
{
    public static UsageView From(UsageRow u) => new(u.Id, u.CallId, u.ClientId, u.VapiAssistantId, Instant(u.StartedAt), Instant(u.EndedAt),
        Instant(u.OccurredAt), Quantity(u.DurationSeconds), Quantity(u.BillableSeconds), Quantity(u.DurationMinutes), Money(u.Cost), u.Currency,
        u.VapiCost?.ToString("0.00####", System.Globalization.CultureInfo.InvariantCulture), u.EndedReason, Lower(u.Outcome), u.Billable,
        u.Incomplete, u.ToolsUsed, u.InvoiceId);
}
