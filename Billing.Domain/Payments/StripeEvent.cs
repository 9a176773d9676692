namespace Billing.Domain.Payments;

/// <summary>What became of a Stripe event this app handles.</summary>
public enum StripeEventState
{
    /// <summary>Its payment or refund is recorded (by this event or, for the second event of one payment, an earlier one).</summary>
    Applied,
    /// <summary>Nothing to change: an unpaid session, a pending refund, a charge without its refund list.</summary>
    Noted,
    /// <summary>A refund whose payment is not recorded yet: applied when that payment arrives.</summary>
    Waiting,
    /// <summary>Money the rules could not place (its invoice is missing, in another currency, or the refund exceeds what is left): a person looks at it.</summary>
    Review,
}

/// <summary>
/// A verified Stripe event of a type this app handles ("StripeEvent"), stored in the transaction that applies it, so it is
/// durable before Stripe gets its 2xx; its id makes a redelivery a no-op. Money rows are keyed by Stripe's own ids
/// (PaymentIntent, refund), never by this event's, so two events describing one payment write one row.
/// </summary>
public sealed class StripeEvent
{
    /// <summary>Stripe's id (<c>evt_…</c>).</summary>
    public required string Id { get; set; }
    public required string Type { get; set; }
    public required string ApiVersion { get; set; }
    /// <summary>The id of the event's object (<c>cs_…</c>, <c>pi_…</c>, <c>re_…</c>, <c>ch_…</c>).</summary>
    public required string ObjectId { get; set; }
    /// <summary>The PaymentIntent the event concerns: the key of its payment, and of the refunds waiting for it.</summary>
    public string? PaymentIntentId { get; set; }
    public Guid? InvoiceId { get; set; }
    public StripeEventState State { get; set; }
    /// <summary>What was done or why not, for the operator.</summary>
    public string? Detail { get; set; }
    /// <summary>The event's envelope and the fields of its object the app reads, as Stripe sent them, so a waiting refund is
    /// applied later from what Stripe said; the payer's name, e-mail, address and card details are not kept.</summary>
    public required string Payload { get; set; }
    /// <summary>When Stripe created the event.</summary>
    public DateTimeOffset StripeCreatedAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
