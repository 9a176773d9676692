using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Functions.Payments;

/// <summary>
/// Card payments through Stripe: the invoice's stable pay link (anonymous: the token is the credential), the operators'
/// way to get it, and Stripe's webhook (anonymous: the Stripe-Signature is the credential). Off while Stripe is not
/// configured: all answer 404.
/// </summary>
public sealed class StripeFunctions(StripePayLinks payLinks, ReportQueries reports, CallerResolver callers, DatabaseWorkGate gate,
    IOptions<StripeOptions> options, StripeWebhookHandler webhook, BillingDbContext db, PaymentService payments, ILogger<StripeFunctions> logger)
{
    public sealed record CheckoutLinkView(Guid InvoiceId, string? Number, string Status, string AmountDue, string Currency, string PayLink);

    /// <summary>What the webhook did with an event: <see cref="Stored"/> false for types it does not handle or payments not ours.</summary>
    public sealed record StripeWebhookAck(string EventId, string Type, bool Stored, string? State, string? Detail, bool Replayed);

    /// <summary>A stored Stripe event as operators see it (its payload stays in the database).</summary>
    public sealed record StripeEventView(string Id, string Type, string ObjectId, string? PaymentIntentId, Guid? InvoiceId, string State,
        string? Detail, string StripeCreatedAt, string ReceivedAt, string UpdatedAt)
    {
        public static StripeEventView From(StripeEvent e) => new(e.Id, e.Type, e.ObjectId, e.PaymentIntentId, e.InvoiceId,
            TextEnum.ToText(e.State, TextCase.Upper), e.Detail, Formats.Instant(e.StripeCreatedAt), Formats.Instant(e.ReceivedAt),
            Formats.Instant(e.UpdatedAt));
    }

    public const int MaxEventsListed = 500;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Stripe's events: the signature is checked before anything else, the event is stored with what it records in one
    /// transaction before the 2xx, and a redelivery answers 200 without a change.
    /// </summary>
    [Function(nameof(StripeWebhook))]
    public async Task<IResult> StripeWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "stripe/webhook")] HttpRequest request, CancellationToken ct)
    {
        if (!options.Value.Enabled)
        {
            return Problems.NotFound("Card payments are not enabled.");
        }
        var header = request.Headers[StripeWebhookHandler.SignatureHeader].ToString();
        if (string.IsNullOrWhiteSpace(header))
        {
            // Unsigned costs no body read.
            return Problems.Unauthorized(StripeWebhookHandler.SignatureHeader,
                "Required: Stripe signs every webhook with a Stripe-Signature header.");
        }
        const int limit = StripeWebhookHandler.MaxBodyBytes;
        if (request.ContentLength > limit || await BoundedBody.ReadAsync(request.Body, limit, ct) is not { } bytes)
        {
            return Problems.TooLarge(limit);
        }
        string body;
        try
        {
            body = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Problems.Invalid("body", "Not UTF-8.");
        }

        switch (webhook.Verify(body, header))
        {
            case StripeWebhookHandler.Refused { Status: StatusCodes.Status401Unauthorized } refused:
                logger.LogWarning("Refused a Stripe webhook request: {Reason}", refused.Message);
                return Problems.Unauthorized(refused.Field, refused.Message);
            case StripeWebhookHandler.Refused refused:
                return Problems.Invalid(refused.Field, refused.Message);
            case StripeWebhookHandler.VersionMismatch mismatch:
                return Problems.Invalid("api_version", mismatch.Message, StatusCodes.Status422UnprocessableEntity);
            case StripeWebhookHandler.Verified verified:
                using (var slot = await gate.EnterAsync(ct))
                {
                    if (slot is null)
                    {
                        return Problems.Busy(DatabaseWorkGate.RetryAfterSeconds);
                    }
                    try
                    {
                        return await webhook.RecordAsync(verified, ct) switch
                        {
                            StripeWebhookHandler.Stored s => TypedResults.Ok(new StripeWebhookAck(s.EventId, s.Type, true,
                                TextEnum.ToText(s.State, TextCase.Upper), s.Detail, s.Replayed)),
                            StripeWebhookHandler.Ignored i => TypedResults.Ok(new StripeWebhookAck(i.EventId, i.Type, false, null, i.Reason, false)),
                            var other => throw new InvalidOperationException($"Unexpected webhook outcome {other}"),
                        };
                    }
                    catch (Exception e) when (DatabaseFaults.IsUnavailable(e, ct))
                    {
                        // Nothing was acknowledged: Stripe delivers the event again (for up to 3 days).
                        logger.LogError(e, "The database is unavailable; the Stripe webhook answered 503 and stored nothing");
                        return Problems.DatabaseUnavailable(DatabaseFaults.RetryAfterSeconds(e));
                    }
                }
            default:
                throw new InvalidOperationException("Unexpected verification outcome");
        }
    }

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

    /// <summary>The Stripe events stored, newest first (admin): <c>state=WAITING</c> refunds waiting for their payment,
    /// <c>state=REVIEW</c> money that needs a person.</summary>
    [Function(nameof(ListStripeEvents))]
    public Task<IResult> ListStripeEvents(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "stripe/events")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Admin, ["state", "invoiceId", "limit"], (_, q) =>
        {
            var state = q.Enum<StripeEventState>("state", TextCase.Upper);
            var invoiceText = q.Text("invoiceId", 36);
            Guid? invoiceId = Guid.TryParse(invoiceText, out var parsed) ? parsed : null;
            q.Check(invoiceText is null || invoiceId is not null, "invoiceId", "Expected an invoice id (a UUID).");
            var limit = q.Int("limit", 100, 1, MaxEventsListed);
            return q.RespondAsync(async () =>
            {
                var events = db.StripeEvents.AsNoTracking();
                if (state is { } s)
                {
                    events = events.Where(e => e.State == s);
                }
                if (invoiceId is not null)
                {
                    events = events.Where(e => e.InvoiceId == invoiceId);
                }
                var rows = await events.OrderByDescending(e => e.ReceivedAt).ThenByDescending(e => e.Id).Take(limit).ToListAsync(ct);
                return q.List(rows.Select(StripeEventView.From).ToList(), null);
            });
        }, ct);

    /// <summary>An operator has looked at an invoice flagged for review (admin): its <c>reviewReason</c> is cleared, audited.</summary>
    [Function(nameof(ClearInvoiceReview))]
    public Task<IResult> ClearInvoiceReview(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "invoices/{id}/review")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Admin, async caller =>
        {
            var found = Guid.TryParse(id, out var invoiceId) && await payments.ClearReviewAsync(invoiceId, Actor.For(caller), ct);
            return found ? TypedResults.NoContent() : Problems.NotFound($"No invoice '{id}'.");
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
