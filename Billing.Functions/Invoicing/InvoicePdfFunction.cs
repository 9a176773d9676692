using Billing.Domain.Invoicing.Pdf;

namespace Billing.Functions.Invoicing;

/// <summary>An invoice as the PDF its client received: rendered once, stored, the same bytes on every download.</summary>
public sealed class InvoicePdfFunction(ReportQueries reports, InvoicePdfs pdfs, CallerResolver callers)
{
    [Function(nameof(GetInvoicePdf))]
    public Task<IResult> GetInvoicePdf(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices/{id}/pdf")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async caller =>
        {
            // Visibility first: another client's invoice answers exactly like a missing one.
            var visible = Guid.TryParse(id, out var invoiceId) ? await reports.InvoiceAsync(caller, invoiceId, ct) : null;
            if (visible is not { } invoice || await pdfs.GetAsync(invoiceId, ct) is not { } pdf)
            {
                return Problems.NotFound($"No invoice '{id}'.");
            }
            return TypedResults.File(pdf.Content, "application/pdf", $"Factura-{invoice.Invoice.Number ?? invoiceId.ToString()}.pdf",
                entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{pdf.Sha256}\""));
        }, ct);
}
