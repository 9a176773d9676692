using Billing.Domain.Invoicing;

namespace Billing.Domain.Payments;

public enum PaymentMethod { Card, Transfer, Cash }

public enum PaymentStatus { Pending, Completed, Failed, Refunded }

/// <summary>A payment against an invoice ("PaymentTransaction").</summary>
public sealed class Payment
{
    public Guid Id { get; set; }
    public Guid InvoiceId { get; set; }
    public Invoice? Invoice { get; set; }
    public decimal Amount { get; set; }
    public string Currency { get; set; } = "RON";
    public PaymentMethod Method { get; set; }
    public PaymentStatus Status { get; set; } = PaymentStatus.Pending;
    /// <summary>The payment provider's or bank's reference.</summary>
    public string? TransactionId { get; set; }
    public DateTimeOffset? PaidAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
