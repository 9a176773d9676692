using System.Globalization;
using System.Text.Encodings.Web;
using Billing.Domain.Access;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Microsoft.Extensions.Options;

namespace Billing.Functions.Payments;

/// <summary>
/// Card payments through Stripe: the invoice's stable pay link (anonymous: the token is the credential) and the operators'
/// way to get it. Off while Stripe is not configured: both answer 404.
/// </summary>
public sealed class StripeFunctions(StripePayLinks payLinks, ReportQueries reports, CallerResolver callers, DatabaseWorkGate gate,
    IOptions<StripeOptions> options)
{
    public sealed record CheckoutLinkView(Guid InvoiceId, string? Number, string Status, string AmountDue, string Currency, string PayLink);

    /// <summary>Opens the invoice's payment: a redirect to a Checkout Session for what is due, or a plain page when nothing is.</summary>
    [Function(nameof(PayInvoice))]
    public async Task<IResult> PayInvoice(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "pay/{token}")] HttpRequest request, string token, CancellationToken ct)
    {
        if (!options.Value.Enabled)
        {
            return Problems.NotFound("Card payments are not enabled.");
        }
        using var slot = await gate.EnterAsync(ct);
        if (slot is null)
        {
            return Problems.Busy(DatabaseWorkGate.RetryAfterSeconds);
        }
        return await payLinks.OpenAsync(token, ct) switch
        {
            StripePayLinks.Redirect r => new NoStore(TypedResults.Redirect(r.Url)),
            StripePayLinks.Settled s => new NoStore(TypedResults.Content(SettledPage(s), "text/html; charset=utf-8")),
            StripePayLinks.Unavailable { Permanent: false } => Problems.UpstreamUnavailable("Card payments are unavailable",
                "Stripe could not be reached. Nothing was charged; try the link again in a minute.", retryAfterSeconds: 60),
            StripePayLinks.Unavailable => Problems.UpstreamUnavailable("Card payment refused",
                "Stripe refused a card payment for this invoice; pay it by bank transfer or contact us."),
            _ => Problems.NotFound("No such pay link."),
        };
    }

    /// <summary>The invoice's stable pay link, for an operator to send (admin).</summary>
    [Function(nameof(GetCheckoutLink))]
    public Task<IResult> GetCheckoutLink(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/checkout")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Admin, async caller =>
        {
            if (!options.Value.Enabled)
            {
                return Problems.NotFound("Card payments are not enabled: set Stripe:SecretKey.");
            }
            var found = Guid.TryParse(id, out var invoiceId) ? await reports.InvoiceAsync(caller, invoiceId, ct) : null;
            if (found is not { } visible || await payLinks.LinkAsync(invoiceId, ct) is not { } link)
            {
                return Problems.NotFound($"No invoice '{id}'.");
            }
            var invoice = visible.Invoice;
            return TypedResults.Ok(new CheckoutLinkView(invoiceId, invoice.Number, TextEnum.ToText(invoice.Status, TextCase.Upper),
                invoice.AmountDue.ToString("0.00", CultureInfo.InvariantCulture), invoice.Currency, link));
        }, ct);

    /// <summary>The page a paid or cancelled invoice's link shows, in the invoice's language.</summary>
    private static string SettledPage(StripePayLinks.Settled settled)
    {
        var number = HtmlEncoder.Default.Encode(settled.Number);
        var (title, text) = settled.Status == InvoiceStatus.Cancelled
            ? ($"Factura {number} este anulată", $"Factura {number} a fost anulată și nu mai trebuie plătită.")
            : ($"Factura {number} este plătită",
                $"Factura {number} este plătită integral{(settled.PaidAt is { } at ? $" (la {at.ToString("dd.MM.yyyy", CultureInfo.InvariantCulture)})" : "")}. Vă mulțumim!");
        return $"""
            <!DOCTYPE html>
            <html lang="ro"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{title}</title></head>
            <body><h1>{title}</h1><p>{text}</p></body></html>
            """;
    }

    /// <summary>A pay link's answer is never cached: the next click must see the invoice as it is then.</summary>
    private sealed class NoStore(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.CacheControl = "no-store";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
