using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Billing.Domain.Reports;
using Billing.Functions.Infrastructure;
using Billing.Functions.Invoicing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Reports;

/// <summary>Reports for reporting tools: the seed's monitoring queries, margin and tool usage. Each is one query, scoped to the caller.</summary>
public sealed class ReportFunctions(ReportQueries reports, CallerResolver callers, TimeProvider clock)
{
    [Function("RevenueReport")]
    public async Task<IResult> Revenue(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/revenue")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request, "from", "to", "status");
        var csv = Listing.WantsCsv(request, q);
        var (from, to) = (q.Period("from"), q.Period("to"));
        q.Check(from is null || to is null || string.CompareOrdinal(from, to) <= 0, "to", "'to' must not be before 'from'.");
        var status = q.Enum<InvoiceStatus>("status", TextCase.Upper);
        if (!q.Valid)
        {
            return q.Problem;
        }
        var revenue = await reports.RevenueAsync(caller.Caller!, from, to, status, ct);
        var rows = revenue.Select(RevenueView.From).ToList();
        if (csv)
        {
            return Listing.Respond(csv, rows);
        }
        var totals = revenue.GroupBy(r => r.Currency)
            .Select(g => new RevenueTotalView(g.Key, g.Sum(r => r.Invoices), Formats.Money(g.Sum(r => r.Total)))).ToList();
        return TypedResults.Ok(new RevenueReportView(rows, totals));
    }

    [Function("TopClientsReport")]
    public async Task<IResult> TopClients(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/top-clients")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request, "period", "limit");
        var csv = Listing.WantsCsv(request, q);
        var period = q.RequiredPeriod("period");
        var limit = q.Int("limit", 10, 1, ReportQueries.MaxLimit);
        if (!q.Valid)
        {
            return q.Problem;
        }
        var rows = await reports.TopClientsAsync(caller.Caller!, period!, limit, ct);
        return Listing.Respond(csv, rows.Select(TopClientView.From).ToList());
    }

    [Function("RecentInvoicesReport")]
    public async Task<IResult> RecentInvoices(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/recent-invoices")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request, "since", "limit");
        var csv = Listing.WantsCsv(request, q);
        // The seed's monitor looks one day back.
        var since = q.Instant("since") ?? clock.GetUtcNow().AddDays(-1);
        var limit = q.Int("limit", 100, 1, ReportQueries.MaxLimit);
        if (!q.Valid)
        {
            return q.Problem;
        }
        var rows = await reports.RecentInvoicesAsync(caller.Caller!, since, limit, ct);
        return Listing.Respond(csv, rows.Select(InvoiceSummaryView.From).ToList());
    }

    [Function("MarginReport")]
    public async Task<IResult> Margin(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/margin")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request, "period");
        var csv = Listing.WantsCsv(request, q);
        var period = q.RequiredPeriod("period");
        if (!q.Valid)
        {
            return q.Problem;
        }
        var report = await reports.MarginAsync(caller.Caller!, period!, ct);
        var rows = report.Clients.Select(MarginView.From).ToList();
        return csv
            ? Listing.Respond(csv, rows)
            : TypedResults.Ok(new MarginReportView(report.Period, rows,
                report.MissingRates.Select(m => new MissingRateView(m.Currency, m.QuoteCurrency, Formats.Date(m.OnOrBefore))).ToList()));
    }

    [Function("ToolsReport")]
    public async Task<IResult> Tools(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "reports/tools")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request, "period", "clientId");
        var csv = Listing.WantsCsv(request, q);
        var period = q.RequiredPeriod("period");
        var clientId = q.Text("clientId");
        if (!q.Valid)
        {
            return q.Problem;
        }
        var rows = await reports.ToolsAsync(caller.Caller!, period!, clientId, ct);
        return Listing.Respond(csv, rows.Select(ToolUsageView.From).ToList());
    }
}
