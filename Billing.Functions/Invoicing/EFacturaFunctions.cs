using Billing.Domain.EFactura;

namespace Billing.Functions.Invoicing;

/// <summary>An invoice's RO e-Factura document (UBL 2.1, CIUS-RO): generated once, validated, stored, the same bytes on every download.</summary>
public sealed class EFacturaFunctions(ReportQueries reports, EFacturaDocuments documents, CallerResolver callers)
{
    [Function(nameof(GetInvoiceEFactura))]
    public Task<IResult> GetInvoiceEFactura(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "invoices/{id}/efactura.xml")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async caller =>
        {
            // Visibility first: another client's invoice answers exactly like a missing one.
            var visible = Guid.TryParse(id, out var invoiceId) ? await reports.InvoiceAsync(caller, invoiceId, ct) : null;
            if (visible is null || await documents.GetAsync(invoiceId, ct) is not { } download)
            {
                return Problems.NotFound($"No invoice '{id}'.");
            }
            return Answer(download, "invoice");
        }, ct);

    /// <summary>The stored XML (ETag = its SHA-256), or a 409 naming every missing field and failed rule.</summary>
    public static IResult Answer(EFacturaDownload download, string what)
    {
        if (download.Document is { Content: { } content, Sha256: { } sha256 })
        {
            return TypedResults.File(content, "application/xml", $"{download.Number}.xml",
                entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{sha256}\""));
        }
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var field in download.MissingFields)
        {
            errors[field] = [$"e-Factura needs {field}; the {what} was issued without it."];
        }
        foreach (var rule in download.Findings.GroupBy(f => f.Rule, StringComparer.Ordinal))
        {
            errors[rule.Key] = rule.Select(f => f.Message).ToArray();
        }
        return Problems.NotExportable(
            $"The {what} {download.Number} is not exportable to e-Factura: " + string.Join(", ", errors.Keys) + ".", errors);
    }
}
