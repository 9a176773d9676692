namespace Billing.Domain.Payments;

/// <summary>
/// One movement of a client's credit ("ClientCredit"), a ledger: the excess of an overpayment comes in (positive, with
/// the <see cref="PaymentId"/> that brought it), a refund of that payment takes it back and a later invoice consumes it
/// (negative, with the <see cref="InvoiceId"/> it was applied to). A client's credit in a currency is the sum of its rows;
/// rows are only ever added, under the lock of the invoice whose money moves.
/// </summary>
public sealed class ClientCredit
{
    public Guid Id { get; set; }
    public required string ClientId { get; set; }
    public required string Currency { get; set; }
    /// <summary>Signed: positive adds credit, negative uses or returns it.</summary>
    public decimal Amount { get; set; }
    /// <summary>The payment whose excess this is (or whose refund takes it back).</summary>
    public Guid? PaymentId { get; set; }
    /// <summary>The invoice that consumed this credit (as its <c>PrepaidAmount</c>).</summary>
    public Guid? InvoiceId { get; set; }
    public required string Reason { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
