using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using static Billing.Functions.Infrastructure.Formats;

namespace Billing.Functions.Invoicing;

/// <summary>An issued invoice as lists show it: money as strings with 2 decimals and its currency, instants in UTC.</summary>
public sealed record InvoiceSummaryView(Guid Id, string? Number, string ClientId, string? ClientName, string Period, string? PeriodStart,
    string? PeriodEnd, string Minutes, int TotalCalls, int SuccessfulCalls, string MinutesAmount, string FixedFee, string LateUsageAmount,
    string Total, string Currency, string Status, string DueDate, string IssuedAt, string? PaidAt, bool Reconciled, string CreatedAt,
    string AmountPaid, string CreditApplied, string AmountDue,
    string? IssueDate, string? NetAmount, string? VatAmount, string? VatCategory, bool Exportable, IReadOnlyList<string> MissingFields,
    [property: AgencyOnly] string? ReviewReason)
{
    public static InvoiceSummaryView From(InvoiceRow i) => new(i.Id, i.Number, i.ClientId, i.ClientName, i.Period, Date(i.PeriodStart),
        Date(i.PeriodEnd), Quantity(i.Minutes), i.TotalCalls, i.SuccessfulCalls, Money(i.MinutesAmount), Money(i.FixedFee),
        Money(i.LateUsageAmount), Money(i.Total), i.Currency, Upper(i.Status), Date(i.DueDate), Instant(i.IssuedAt), Instant(i.PaidAt),
        i.Reconciled, Instant(i.CreatedAt), Money(i.AmountPaid), Money(i.CreditApplied), Money(i.AmountDue),
        Date(i.IssueDate), Money(i.NetAmount), Money(i.VatAmount), i.VatCategory,
        i.MissingFields is not { Length: > 0 }, i.MissingFields ?? [], i.ReviewReason);
}

/// <summary>One invoice with its late-usage lines, payments and credit notes (<c>creditedAmount</c>: their total, already out of amountDue).</summary>
public sealed record InvoiceDetailView(InvoiceSummaryView Invoice, IReadOnlyList<LateUsageView> LateUsage, IReadOnlyList<PaymentView> Payments,
    IReadOnlyList<CreditNoteView> CreditNotes, string CreditedAmount);

/// <summary>A credit note (storno) of an invoice: what it credits, and whether its e-Factura document is stored (<c>exportable</c>).</summary>
public sealed record CreditNoteView(Guid Id, string Number, Guid InvoiceId, string? InvoiceNumber, string ClientId, string Reason, string IssueDate,
    string IssuedAt, string NetAmount, string VatAmount, string GrossAmount, string Currency, bool Exportable)
{
    public static CreditNoteView From(Domain.Reports.CreditNoteRow n, string? invoiceNumber) => new(n.Id, n.Number, n.InvoiceId, invoiceNumber,
        n.ClientId, n.Reason, Date(n.IssueDate), Instant(n.IssuedAt), Money(n.NetAmount), Money(n.VatAmount), Money(n.GrossAmount), n.Currency,
        n.Exportable);

    /// <summary>From the rows of the change itself (inside its transaction, before the reporting replica could see them).</summary>
    public static CreditNoteView From(Domain.Invoicing.CreditNotes.CreditNote n, Invoice i) => new(n.Id, n.Number, n.InvoiceId, i.Number,
        n.ClientId, n.Reason, Date(n.IssueDate), Instant(n.IssuedAt), Money(n.NetAmount), Money(n.VatAmount), Money(n.GrossAmount), n.Currency,
        n.Content is not null);
}

public sealed record LateUsageView(string OriginalPeriod, int Calls, string Minutes, string Amount)
{
    public static LateUsageView From(InvoiceLateUsage l) => new(l.OriginalPeriod, l.Calls, Quantity(l.Minutes), Money(l.Amount));
}

/// <summary>A payment or a refund (REFUNDED, with <c>refundOf</c>).</summary>
public sealed record PaymentView(Guid Id, Guid InvoiceId, string? InvoiceNumber, string ClientId, string Amount, string Currency, string Method,
    string Status, string? TransactionId, string? PaidAt, string CreatedAt, string? Reference, Guid? RefundOf, string? Reason)
{
    public static PaymentView From(PaymentRow p) => new(p.Id, p.InvoiceId, p.InvoiceNumber, p.ClientId, Money(p.Amount), p.Currency,
        Lower(p.Method), Upper(p.Status), p.TransactionId, Instant(p.PaidAt), Instant(p.CreatedAt), p.Reference, p.RefundOf, p.Reason);

    /// <summary>From the rows of the change itself (inside its transaction, before the reporting replica could see them).</summary>
    public static PaymentView From(Payment p, Invoice i) => new(p.Id, p.InvoiceId, i.Number, i.ClientId, Money(p.Amount), p.Currency,
        Lower(p.Method), Upper(p.Status), p.TransactionId, Instant(p.PaidAt), Instant(p.CreatedAt), p.Reference, p.RefundOf, p.Reason);
}
