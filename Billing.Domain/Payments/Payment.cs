using Billing.Domain.Invoicing;

namespace Billing.Domain.Payments;

public enum PaymentMethod { Card, Transfer, Cash }

public enum PaymentStatus { Pending, Completed, Failed, Refunded }

/// <summary>
/// A payment against an invoice ("PaymentTransaction"), or a refund of one: a refund is its own REFUNDED row with
/// <see cref="RefundOf"/> set, so the payment it returns money of stays COMPLETED and both stay on record.
/// </summary>
public sealed class Payment
{
    public Guid Id { get; set; }
    public Guid InvoiceId { get; set; }
    public Invoice? Invoice { get; set; }
    public decimal Amount { get; set; }
    public string Currency { get; set; } = "RON";
    public PaymentMethod Method { get; set; }
    public PaymentStatus Status { get; set; } = PaymentStatus.Pending;
    /// <summary>The payment provider's or bank's id of the transaction; recorded once.</summary>
    public string? TransactionId { get; set; }
    /// <summary>What the payer wrote (a transfer's reference, usually the invoice number).</summary>
    public string? Reference { get; set; }
    /// <summary>The payment this row refunds; only on REFUNDED rows.</summary>
    public Guid? RefundOf { get; set; }
    /// <summary>Why it was refunded or failed, when given.</summary>
    public string? Reason { get; set; }
    public DateTimeOffset? PaidAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
