using Microsoft.Extensions.Options;
using Stripe;
using Stripe.Checkout;

namespace Billing.Domain.Payments;

/// <summary>A Checkout Session to create for one invoice: its amount due, in minor units, tagged with the invoice.</summary>
public sealed record CheckoutSessionRequest(
    Guid InvoiceId, string InvoiceNumber, string ClientId, long AmountMinor, string Currency, DateTimeOffset ExpiresAt, string? CustomerEmail,
    string IdempotencyKey);

public sealed record CreatedCheckoutSession(string Id, string Url, DateTimeOffset ExpiresAt);

/// <summary>Stripe could not be reached or failed (5xx, network): nothing was created; try again later.</summary>
public sealed class StripeUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Stripe refused the request for good (4xx, e.g. an amount under its minimum): retrying cannot help.</summary>
public sealed class StripeRefusedException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The part of Stripe's API we call. Ours, so tests substitute it (no network) and the rest of the code never sees Stripe.net's
/// request types.
/// </summary>
public interface IStripeCheckout
{
    Task<CreatedCheckoutSession> CreateSessionAsync(CheckoutSessionRequest request, CancellationToken ct);

    /// <summary>Expires an open session; false when it was no longer open (completed or expired already).</summary>
    Task<bool> ExpireSessionAsync(string sessionId, CancellationToken ct);
}

/// <summary>
/// <see cref="IStripeCheckout"/> over Stripe.net, which sends the API version its release pins
/// (<see cref="StripeApi.PinnedVersion"/>) on every request.
/// </summary>
internal sealed class StripeCheckoutClient(IOptions<StripeOptions> options) : IStripeCheckout
{
    private readonly Lazy<StripeClient> _client = new(() => new StripeClient(options.Value.SecretKey
        ?? throw new InvalidOperationException("Stripe is not configured (Stripe:SecretKey).")));

    public async Task<CreatedCheckoutSession> CreateSessionAsync(CheckoutSessionRequest request, CancellationToken ct)
    {
        var metadata = StripeApi.InvoiceMetadata(request.InvoiceId, request.InvoiceNumber, request.ClientId);
        var create = new SessionCreateOptions
        {
            Mode = "payment",
            SuccessUrl = options.Value.SuccessUrl,
            CancelUrl = options.Value.CancelUrl,
            ClientReferenceId = request.InvoiceId.ToString(),
            CustomerEmail = request.CustomerEmail,
            ExpiresAt = request.ExpiresAt.UtcDateTime,
            Metadata = metadata,
            // The PaymentIntent carries the invoice too: payment_intent.* events do not include the session's metadata.
            PaymentIntentData = new SessionPaymentIntentDataOptions { Metadata = metadata, Description = $"Factura {request.InvoiceNumber}" },
            LineItems =
            [
                new SessionLineItemOptions
                {
                    Quantity = 1,
                    PriceData = new SessionLineItemPriceDataOptions
                    {
                        Currency = request.Currency.ToLowerInvariant(),
                        UnitAmount = request.AmountMinor,
                        ProductData = new SessionLineItemPriceDataProductDataOptions { Name = $"Factura {request.InvoiceNumber}" },
                    },
                },
            ],
        };
        var session = await CallAsync(() => new SessionService(_client.Value)
            .CreateAsync(create, new RequestOptions { IdempotencyKey = request.IdempotencyKey }, ct));
        return new CreatedCheckoutSession(session.Id, session.Url, new DateTimeOffset(DateTime.SpecifyKind(session.ExpiresAt, DateTimeKind.Utc)));
    }

    public async Task<bool> ExpireSessionAsync(string sessionId, CancellationToken ct)
    {
        try
        {
            await CallAsync(() => new SessionService(_client.Value).ExpireAsync(sessionId, cancellationToken: ct));
            return true;
        }
        catch (StripeRefusedException)
        {
            // Stripe refuses to expire a session that is not open: it completed or expired meanwhile.
            return false;
        }
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (StripeException e) when ((int)e.HttpStatusCode is >= 400 and < 500 and not 429)
        {
            throw new StripeRefusedException($"Stripe refused the request: {e.StripeError?.Code ?? e.Message}", e);
        }
        catch (StripeException e)
        {
            throw new StripeUnavailableException($"Stripe failed: {e.StripeError?.Code ?? e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new StripeUnavailableException("Stripe could not be reached.", e);
        }
    }
}

/// <summary>What this app and Stripe agree on: the API version and the metadata that ties a payment to an invoice.</summary>
public static class StripeApi
{
    /// <summary>
    /// The API version Stripe.net 53.1.0 sends and expects events in. The webhook endpoint in Stripe must be created with
    /// this version; a test holds it, Stripe.net's own pin and the recorded fixtures equal.
    /// </summary>
    public const string PinnedVersion = "2026-10-28.endive";

    public const string InvoiceIdKey = "invoiceId";
    public const string InvoiceNumberKey = "invoiceNumber";
    public const string ClientIdKey = "clientId";

    public static Dictionary<string, string> InvoiceMetadata(Guid invoiceId, string invoiceNumber, string clientId) => new()
    {
        [InvoiceIdKey] = invoiceId.ToString(),
        [InvoiceNumberKey] = invoiceNumber,
        [ClientIdKey] = clientId,
    };

    /// <summary>The invoice a Stripe object's metadata names, or null when it is not one of our payments.</summary>
    public static Guid? InvoiceOf(IReadOnlyDictionary<string, string>? metadata) =>
        metadata is not null && metadata.TryGetValue(InvoiceIdKey, out var id) && Guid.TryParse(id, out var invoiceId) ? invoiceId : null;
}
