using Billing.Domain.Invoicing;
using Billing.Functions.Invoicing;

namespace Billing.Functions.Reports;

/// <summary>Reports for reporting tools: the seed's monitoring queries, margin and tool usage. Each is one query, scoped to the caller.</summary>
public sealed class ReportFunctions(ReportQueries reports, CallerResolver callers, TimeProvider clock)
{
    [Function(nameof(RevenueReport))]
    public Task<IResult> RevenueReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/revenue")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, ["from", "to", "status"], (caller, q) =>
        {
            var (from, to) = (q.Period("from"), q.Period("to"));
            q.Check(from is null || to is null || string.CompareOrdinal(from, to) <= 0, "to", "'to' must not be before 'from'.");
            var status = q.Enum<InvoiceStatus>("status", TextCase.Upper);
            return q.RespondAsync(async () =>
            {
                var revenue = await reports.RevenueAsync(caller, from, to, status, ct);
                var rows = revenue.Select(RevenueView.From).ToList();
                var totals = revenue.GroupBy(r => r.Currency)
                    .Select(g => new RevenueTotalView(g.Key, g.Sum(r => r.Invoices), Formats.Money(g.Sum(r => r.Total)),
                        Formats.Money(g.Sum(r => r.Net)), Formats.Money(g.Sum(r => r.Vat)))).ToList();
                return q.Csv ? q.List(rows) : TypedResults.Ok(new RevenueReportView(rows, totals));
            });
        }, ct);

    [Function(nameof(TopClientsReport))]
    public Task<IResult> TopClientsReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/top-clients")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, ["period", "limit"], (caller, q) =>
        {
            var period = q.RequiredPeriod("period");
            var limit = q.Int("limit", 10, 1, ReportQueries.MaxLimit);
            return q.RespondAsync(async () => q.List((await reports.TopClientsAsync(caller, period!, limit, ct)).Select(TopClientView.From).ToList()));
        }, ct);

    [Function(nameof(RecentInvoicesReport))]
    public Task<IResult> RecentInvoicesReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/recent-invoices")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, ["since", "limit"], (caller, q) =>
        {
            // The seed's monitor looks one day back.
            var since = q.Instant("since") ?? clock.GetUtcNow().AddDays(-1);
            var limit = q.Int("limit", 100, 1, ReportQueries.MaxLimit);
            return q.RespondAsync(async () =>
                q.List((await reports.RecentInvoicesAsync(caller, since, limit, ct)).Select(InvoiceSummaryView.From).ToList()));
        }, ct);

    [Function(nameof(MarginReport))]
    public Task<IResult> MarginReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/margin")] HttpRequest request, CancellationToken ct) =>
        // What Vapi charges us and what we keep: the agency's own figures, never a client key's to read.
        callers.QueryAsync(request, Access.Agency, ["period"], (caller, q) =>
        {
            var period = q.RequiredPeriod("period");
            return q.RespondAsync(async () =>
            {
                var report = await reports.MarginAsync(caller, period!, ct);
                var rows = report.Clients.Select(MarginView.From).ToList();
                return q.Csv
                    ? q.List(rows)
                    : TypedResults.Ok(new MarginReportView(report.Period, rows,
                        report.MissingRates.Select(m => new MissingRateView(m.Currency, m.QuoteCurrency, Formats.Date(m.OnOrBefore))).ToList()));
            });
        }, ct);

    [Function(nameof(ToolsReport))]
    public Task<IResult> ToolsReport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/tools")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, ["period", "clientId"], (caller, q) =>
        {
            var period = q.RequiredPeriod("period");
            var clientId = q.Text("clientId");
            return q.RespondAsync(async () => q.List((await reports.ToolsAsync(caller, period!, clientId, ct)).Select(ToolUsageView.From).ToList()));
        }, ct);
}
