using Billing.Domain.Access;
using Billing.Domain.Invoicing;

namespace Billing.Functions.Invoicing;

/// <summary>Invoice queries for reporting tools and portals: the seed's "by status" and "client history" queries, and more.</summary>
public sealed class InvoiceFunctions(ReportQueries reports, CallerResolver callers)
{
    private static readonly string[] ListParameters =
        ["status", "clientId", "period", "periodFrom", "periodTo", "dueBefore", "dueAfter", "createdSince", "exportable", "review", "sort", "limit", "cursor"];

    [Function(nameof(ListInvoices))]
    public Task<IResult> ListInvoices(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, ListParameters, (caller, q) => ListAsync(request, q, caller, clientId: null, InvoiceSort.Default, ct), ct);

    [Function(nameof(ListClientInvoices))]
    public Task<IResult> ListClientInvoices(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "clients/{clientId}/invoices")] HttpRequest request, string clientId,
        CancellationToken ct) =>
        // History, newest period first. Another client's id lists nothing, exactly like an unknown one.
        callers.QueryAsync(request, Access.Read, ListParameters.Except(["clientId"]).ToArray(),
            (caller, q) => ListAsync(request, q, caller, clientId, new InvoiceSort(InvoiceSortKey.Period, Descending: true), ct), ct);

    [Function(nameof(GetInvoice))]
    public Task<IResult> GetInvoice(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices/{id}")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async caller =>
        {
            // Another client's invoice answers exactly like a missing one, so ids do not leak.
            var found = Guid.TryParse(id, out var invoiceId) ? await reports.InvoiceAsync(caller, invoiceId, ct) : null;
            if (found is not { } invoice)
            {
                return Problems.NotFound($"No invoice '{id}'.");
            }
            var notes = await reports.CreditNotesAsync(caller, invoiceId, ct);
            return TypedResults.Ok(new InvoiceDetailView(InvoiceSummaryView.From(invoice.Invoice), invoice.LateUsage.Select(LateUsageView.From).ToList(),
                invoice.Payments.Select(PaymentView.From).ToList(), notes.Select(n => CreditNoteView.From(n, invoice.Invoice.Number)).ToList(),
                Formats.Money(notes.Sum(n => n.GrossAmount))));
        }, ct);

    private async Task<IResult> ListAsync(HttpRequest request, QueryParameters q, Caller caller, string? clientId, InvoiceSort defaultSort,
        CancellationToken ct)
    {
        var period = q.Period("period");
        var (periodFrom, periodTo) = (q.Period("periodFrom") ?? period, q.Period("periodTo") ?? period);
        q.Check(period is null || (request.Query["periodFrom"].Count == 0 && request.Query["periodTo"].Count == 0), "period",
            "Give either period or periodFrom/periodTo.");
        q.Range(Comparable(periodFrom), Comparable(periodTo), "periodFrom", "periodTo");
        var (dueAfter, dueBefore) = (q.Date("dueAfter"), q.Date("dueBefore"));
        q.Range(dueAfter, dueBefore, "dueAfter", "dueBefore");
        var filter = new InvoiceFilter(q.Enum<InvoiceStatus>("status", TextCase.Upper), clientId ?? q.Text("clientId"), periodFrom, periodTo,
            dueBefore, dueAfter, q.Instant("createdSince"), Flag(q, "exportable"), Flag(q, "review"));
        // Whether an invoice awaits the agency's review is the agency's business (reviewReason is agency-only).
        q.Check(filter.Review is null || !ClientView.Applies(caller), "review", "Only the agency's keys filter by review.");
        var sort = Sort(q, defaultSort);
        var limit = q.Int("limit", 100, 1, ReportQueries.MaxLimit);
        var cursor = q.Text("cursor", 1000);
        return await q.RespondAsync(async () =>
        {
            try
            {
                var page = await reports.InvoicesAsync(caller, filter, sort, limit, cursor, ct);
                return q.List(page.Items.Select(InvoiceSummaryView.From).ToList(), page.NextCursor);
            }
            catch (InvalidCursorException e)
            {
                return Problems.Invalid("cursor", e.Message + " Start again without one, with the same sort.");
            }
        });
    }

    /// <summary><c>exportable=false</c>: the invoices e-Factura cannot take yet (their missing fields say why);
    /// <c>review=true</c>: those whose money someone has to look at (their reviewReason says why).</summary>
    private static bool? Flag(QueryParameters q, string name)
    {
        var text = q.Text(name, 5);
        q.Check(text is null or "true" or "false", name, "Expected true or false.");
        return text switch { "true" => true, "false" => false, _ => null };
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
