using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Billing.Domain.Reports;
using Billing.Functions.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Invoicing;

/// <summary>Invoice queries for reporting tools and portals: the seed's "by status" and "client history" queries, and more.</summary>
public sealed class InvoiceFunctions(ReportQueries reports, CallerResolver callers)
{
    private static readonly string[] ListParameters =
        ["status", "clientId", "period", "periodFrom", "periodTo", "dueBefore", "dueAfter", "createdSince", "sort", "limit", "cursor"];

    [Function("ListInvoices")]
    public async Task<IResult> ListInvoices(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        return caller.Succeeded ? await ListAsync(request, caller.Caller!, clientId: null, InvoiceSort.Default, ListParameters, ct) : caller.Problem!;
    }

    [Function("ListClientInvoices")]
    public async Task<IResult> ListClientInvoices(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{clientId}/invoices")] HttpRequest request, string clientId,
        CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        // History, newest period first. Another client's id lists nothing, exactly like an unknown one.
        return caller.Succeeded
            ? await ListAsync(request, caller.Caller!, clientId, new InvoiceSort(InvoiceSortKey.Period, Descending: true),
                ListParameters.Except(["clientId"]).ToArray(), ct)
            : caller.Problem!;
    }

    [Function("GetInvoice")]
    public async Task<IResult> GetInvoice(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices/{id}")] HttpRequest request, string id, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        // Another client's invoice answers exactly like a missing one, so ids do not leak.
        var found = Guid.TryParse(id, out var invoiceId) ? await reports.InvoiceAsync(caller.Caller!, invoiceId, ct) : null;
        return found is not { } invoice
            ? Problems.NotFound($"No invoice '{id}'.")
            : TypedResults.Ok(new InvoiceDetailView(InvoiceSummaryView.From(invoice.Invoice), invoice.LateUsage.Select(LateUsageView.From).ToList(),
                invoice.Payments.Select(PaymentView.From).ToList()));
    }

    private async Task<IResult> ListAsync(HttpRequest request, Domain.Access.Caller caller, string? clientId, InvoiceSort defaultSort,
        string[] allowed, CancellationToken ct)
    {
        var q = new QueryParameters(request, allowed);
        var csv = Listing.WantsCsv(request, q);
        var period = q.Period("period");
        var (periodFrom, periodTo) = (q.Period("periodFrom") ?? period, q.Period("periodTo") ?? period);
        q.Check(period is null || (request.Query["periodFrom"].Count == 0 && request.Query["periodTo"].Count == 0), "period",
            "Give either period or periodFrom/periodTo.");
        q.Range(Comparable(periodFrom), Comparable(periodTo), "periodFrom", "periodTo");
        var (dueAfter, dueBefore) = (q.Date("dueAfter"), q.Date("dueBefore"));
        q.Range(dueAfter, dueBefore, "dueAfter", "dueBefore");
        var filter = new InvoiceFilter(q.Enum<InvoiceStatus>("status", TextCase.Upper), clientId ?? q.Text("clientId"), periodFrom, periodTo,
            dueBefore, dueAfter, q.Instant("createdSince"));
        var sort = Sort(q, defaultSort);
        var limit = q.Int("limit", 100, 1, ReportQueries.MaxLimit);
        var cursor = q.Text("cursor", 1000);
        if (!q.Valid)
        {
            return q.Problem;
        }
        try
        {
            var page = await reports.InvoicesAsync(caller, filter, sort, limit, cursor, ct);
            return Listing.Respond(csv, page.Items.Select(InvoiceSummaryView.From).ToList(), page.NextCursor);
        }
        catch (InvalidCursorException e)
        {
            q.Fail("cursor", e.Message + " Start again without one, with the same sort.");
            return q.Problem;
        }
    }

    /// <summary><c>sort=dueDate</c> ascending, <c>sort=-total</c> descending; keys: createdAt, dueDate, period, total.</summary>
    private static InvoiceSort Sort(QueryParameters q, InvoiceSort defaultSort)
    {
        var text = q.Text("sort", 20);
        if (text is null)
        {
            return defaultSort;
        }
        var descending = text.StartsWith('-');
        if (Enum.TryParse<InvoiceSortKey>(text.TrimStart('-'), ignoreCase: true, out var key) && Enum.IsDefined(key)
            && !char.IsDigit(text.TrimStart('-')[0]))
        {
            return new InvoiceSort(key, descending);
        }
        q.Fail("sort", $"'{text}' is not a sort: use createdAt, dueDate, period or total, with '-' in front for descending.");
        return defaultSort;
    }

    private static int? Comparable(string? period) => period is null ? null : int.Parse(period.Replace("-", ""), System.Globalization.CultureInfo.InvariantCulture);
}
