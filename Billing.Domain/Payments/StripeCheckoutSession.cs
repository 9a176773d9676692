using Billing.Domain.Invoicing;

namespace Billing.Domain.Payments;

public enum CheckoutSessionStatus { Open, Complete, Expired }

/// <summary>
/// A Stripe Checkout Session created for an invoice's pay link ("StripeCheckoutSession"): kept so a second click reuses the
/// open one for the same amount, and so the open ones can be expired once the invoice is paid another way.
/// </summary>
public sealed class StripeCheckoutSession
{
    /// <summary>Stripe's id (<c>cs_…</c>).</summary>
    public required string Id { get; set; }
    public Guid InvoiceId { get; set; }
    public Invoice? Invoice { get; set; }
    /// <summary>What the session charges: the invoice's amount due when it was created.</summary>
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    public required string Url { get; set; }
    public CheckoutSessionStatus Status { get; set; } = CheckoutSessionStatus.Open;
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
