using Billing.Domain.Parties;
using Billing.Domain.Vat;

namespace Billing.Domain.Invoicing;

public enum InvoiceStatus { Pending, Paid, Overdue, Cancelled }

/// <summary>
/// A client's invoice for one billing period ("Factura"): fixed fee plus billable minutes times the rate,
/// plus any late usage carried from earlier, already invoiced periods. Issued amounts never change.
/// </summary>
public sealed class Invoice
{
    public Guid Id { get; set; }
    /// <summary>Sequential number in its series (e.g. <c>VAI-2025-000123</c>), assigned at issue.</summary>
    public string? Number { get; set; }

    public required string ClientId { get; set; }
    public string? ClientName { get; set; }
    /// <summary>The period as <c>YYYY-MM</c> of its first day ("perioada").</summary>
    public required string Period { get; set; }
    /// <summary>First local day of the period (inclusive).</summary>
    public DateOnly? PeriodStart { get; set; }
    /// <summary>First local day after the period (exclusive).</summary>
    public DateOnly? PeriodEnd { get; set; }

    public decimal Minutes { get; set; }
    public int TotalCalls { get; set; }
    public int SuccessfulCalls { get; set; }
    public decimal IncludedMinutes { get; set; }
    public decimal? PricePerMinute { get; set; }
    /// <summary>The terms this invoice was billed with (the client's terms in force at the period's start): the monthly
    /// fee before any proration ("taxaLunara"), the minute rounding and the time zone of its period, and the day those
    /// terms took effect. Null on invoices issued before terms were effective-dated (the rounding and zone backfilled).</summary>
    public decimal? MonthlyFee { get; set; }
    public Usage.MinuteRounding? MinuteRounding { get; set; }
    public string? TimeZone { get; set; }
    public DateOnly? TermsFrom { get; set; }

    /// <summary>Billable minutes times the rate, rounded once ("costMinute").</summary>
    public decimal MinutesAmount { get; set; }
    /// <summary>The monthly fee ("taxaFixa").</summary>
    public decimal FixedFee { get; set; }
    /// <summary>Sum of <see cref="LateUsage"/> amounts.</summary>
    public decimal LateUsageAmount { get; set; }
    /// <summary>Amount due ("totalDePlata") = minutes amount + fixed fee + late usage; the database checks it.</summary>
    public decimal Total { get; set; }
    public string Currency { get; set; } = "RON";

    /// <summary>Completed payments − refunds − what of them became client credit ("amountPaid"); kept by PaymentService under the invoice's row lock.</summary>
    public decimal AmountPaid { get; set; }
    /// <summary>Client credit consumed by this invoice ("creditApplied"): its UBL <c>PrepaidAmount</c>, never a negative line.</summary>
    public decimal CreditApplied { get; set; }
    /// <summary>The total of the credit notes issued against this invoice ("creditedAmount"); equal to the total when it is CANCELLED by them.</summary>
    public decimal CreditedAmount { get; set; }
    /// <summary>What is still to pay ("amountDue") = total − creditedAmount − amountPaid − creditApplied, computed by the database; never below 0.</summary>
    public decimal AmountDue { get; private set; }

    /// <summary>The rule of <see cref="AmountDue"/>, for money not yet saved (the column computes the same from the row).</summary>
    public static decimal Due(decimal total, decimal credited, decimal paid, decimal creditApplied) => total - credited - paid - creditApplied;

    public InvoiceStatus Status { get; set; } = InvoiceStatus.Pending;
    public DateOnly DueDate { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset? PaidAt { get; set; }
    public string? VapiAssistantId { get; set; }
    /// <summary>False when Vapi's API could not be reached before issue; late calls then follow the late-usage rule.</summary>
    public bool Reconciled { get; set; } = true;
    public Guid? BillingRunId { get; set; }
    /// <summary>The calls this invoice counted: those of epochs up to <see cref="UsageEpoch"/> that occurred in
    /// [<see cref="UsageFrom"/>, <see cref="UsageTo"/>), plus its late usage (see BillingEpochs). Null on invoices that predate the epochs.</summary>
    public long? UsageEpoch { get; set; }
    public DateTimeOffset? UsageFrom { get; set; }
    public DateTimeOffset? UsageTo { get; set; }

    // VAT and parties (Billing.Domain/Vat/InvoiceTaxes): null on invoices issued before VAT was computed, or without an issuer.
    /// <summary>Issue date in the issuer's zone (Europe/Bucharest), EN 16931 BT-2.</summary>
    public DateOnly? IssueDate { get; set; }
    /// <summary>Whether the line amounts above are before VAT or include it (the client's basis at issue).</summary>
    public PriceBasis? PriceBasis { get; set; }
    /// <summary>The tax point of the period's own lines (fee and minutes); late lines carry their own.</summary>
    public DateOnly? TaxPoint { get; set; }
    /// <summary>EN 16931 category of every line: <c>S</c>, <c>O</c> or <c>AE</c>.</summary>
    public string? VatCategory { get; set; }
    /// <summary>The rate (percent) of the period's own lines.</summary>
    public decimal? VatRate { get; set; }
    /// <summary>Net of the fee and of the minutes lines (equal to the amounts on a net basis, allocated on a gross one).</summary>
    public decimal? FixedFeeNet { get; set; }
    public decimal? MinutesNet { get; set; }
    /// <summary>BT-109, BT-110, BT-112; <see cref="Total"/> (<c>totalDePlata</c>) equals <see cref="GrossAmount"/>.</summary>
    public decimal? NetAmount { get; set; }
    public decimal? VatAmount { get; set; }
    public decimal? GrossAmount { get; set; }
    /// <summary>BT-111 for a non-RON invoice, at the BNR rate of <see cref="VatExchangeRateDate"/>.</summary>
    public decimal? VatAmountRon { get; set; }
    public decimal? VatExchangeRate { get; set; }
    public DateOnly? VatExchangeRateDate { get; set; }
    /// <summary>What e-Factura needs that the invoice lacks (<c>issuer</c>, <c>buyer.fiscalCode</c>...); empty = exportable.</summary>
    public string[] MissingFields { get; set; } = [];
    public bool Exportable => MissingFields.Length == 0;

    /// <summary>The unguessable token of the invoice's stable pay link (<c>/pay/{token}</c>), given by the database at insert.</summary>
    public string? PayToken { get; set; }

    /// <summary>Why a person should look at this invoice's money ("reviewReason"), e.g. a card payment larger than what was
    /// due; null when nothing needs review. Set by <see cref="Payments.PaymentService"/>, cleared by an operator.</summary>
    public string? ReviewReason { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    public List<InvoiceLateUsage> LateUsage { get; set; } = [];
    public List<InvoiceVatBreakdown> VatBreakdown { get; set; } = [];
    public List<InvoiceParty> Parties { get; set; } = [];
}

/// <summary>Calls of an already invoiced period that arrived after its invoice, billed on a later invoice.</summary>
public sealed class InvoiceLateUsage
{
    public Guid InvoiceId { get; set; }
    public required string OriginalPeriod { get; set; }
    public int Calls { get; set; }
    public decimal Minutes { get; set; }
    public decimal Amount { get; set; }
    /// <summary>The line's net, VAT rate (its own period's tax point) and tax point; null before VAT was computed.</summary>
    public decimal? Net { get; set; }
    public decimal? VatRate { get; set; }
    public DateOnly? TaxPoint { get; set; }
}

/// <summary>The next free number of an invoice series in a year; taken under a row lock, so numbers have no gaps.</summary>
public sealed class InvoiceNumberSeries
{
    public required string Series { get; set; }
    public int Year { get; set; }
    public long NextNumber { get; set; } = 1;
}
