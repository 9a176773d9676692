namespace Billing.Domain.EFactura;

public enum UblDocumentKind { Invoice, CreditNote }

/// <summary>
/// What one e-Factura document says, in EN 16931 terms (BT/BG numbers in the comments), independent of where the
/// numbers came from. <see cref="UblWriter"/> turns it into UBL 2.1 XML; amounts are already rounded to 2 decimals.
/// Credit note amounts are positive: the document type says they are credited.
/// </summary>
public sealed record UblDocument
{
    public required UblDocumentKind Kind { get; init; }
    /// <summary>BT-1.</summary>
    public required string Number { get; init; }
    /// <summary>BT-2, a date in the issuer's zone.</summary>
    public required DateOnly IssueDate { get; init; }
    /// <summary>BT-9 (an invoice only: UBL 2.1's CreditNote has no DueDate).</summary>
    public DateOnly? DueDate { get; init; }
    /// <summary>BT-5.</summary>
    public required string Currency { get; init; }
    /// <summary>BT-6 and BT-111: the VAT in RON when the document is in another currency (BR-RO-030).</summary>
    public UblTaxCurrency? TaxCurrency { get; init; }
    /// <summary>BG-1 notes (BT-22), at most 20 (BR-RO-A020).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    /// <summary>BG-14: the billing period, both days inclusive.</summary>
    public required DateOnly PeriodStart { get; init; }
    public required DateOnly PeriodEnd { get; init; }
    /// <summary>BT-8 = 432 ("TVA la încasare": VAT becomes due when paid), stated when the issuer applies it.</summary>
    public bool VatOnReceipt { get; init; }
    /// <summary>BG-3: the invoice a credit note corrects.</summary>
    public UblPrecedingInvoice? PrecedingInvoice { get; init; }
    public required UblParty Seller { get; init; }
    public required UblParty Buyer { get; init; }
    public UblPaymentMeans? PaymentMeans { get; init; }
    /// <summary>BT-20.</summary>
    public string? PaymentTerms { get; init; }
    public required IReadOnlyList<UblLine> Lines { get; init; }
    public required IReadOnlyList<UblVatBreakdown> VatBreakdown { get; init; }
    public required UblTotals Totals { get; init; }
}

/// <summary>BT-6 (always RON here) and BT-111, the total VAT in that currency.</summary>
public sealed record UblTaxCurrency(string Code, decimal VatAmount);

/// <summary>BT-25 and BT-26.</summary>
public sealed record UblPrecedingInvoice(string Number, DateOnly IssueDate);

/// <summary>A seller (BG-4) or buyer (BG-7).</summary>
public sealed record UblParty
{
    /// <summary>BT-27 / BT-44.</summary>
    public required string LegalName { get; init; }
    /// <summary>BT-31 / BT-48, with its country prefix (<c>RO123456</c>); null when not VAT registered.</summary>
    public string? VatId { get; init; }
    /// <summary>BT-32 (seller's fiscal code when not VAT registered) and BT-30 / BT-47: the CUI, CNP or 13 zeros.</summary>
    public string? LegalId { get; init; }
    /// <summary>BT-33 (seller only): trade register number and other legal details.</summary>
    public string? AdditionalLegalInfo { get; init; }
    /// <summary>BT-35 / BT-50.</summary>
    public required string Street { get; init; }
    /// <summary>BT-37 / BT-52; in Bucharest <c>SECTOR1</c>…<c>SECTOR6</c>.</summary>
    public required string City { get; init; }
    /// <summary>BT-38 / BT-53.</summary>
    public string? PostalCode { get; init; }
    /// <summary>BT-39 / BT-54, ISO 3166-2 (<c>RO-CJ</c>, <c>RO-B</c>).</summary>
    public string? County { get; init; }
    /// <summary>BT-40 / BT-55, ISO 3166-1 alpha-2.</summary>
    public required string CountryCode { get; init; }
    public string? ContactName { get; init; }
    public string? Phone { get; init; }
    public string? Email { get; init; }
}

/// <summary>BG-16: credit transfer to the seller's IBAN, with the document number as remittance information.</summary>
public sealed record UblPaymentMeans(string Iban, string? AccountName, string? Bic, string? RemittanceInformation)
{
    /// <summary>UNTDID 4461 code 30, credit transfer.</summary>
    public const string CreditTransfer = "30";
}

/// <summary>An invoice line (BG-25) or credit note line.</summary>
public sealed record UblLine
{
    /// <summary>BT-126.</summary>
    public required string Id { get; init; }
    /// <summary>BT-153, at most 100 characters (BR-RO-L100).</summary>
    public required string Name { get; init; }
    /// <summary>BT-127.</summary>
    public string? Note { get; init; }
    /// <summary>BT-129 and BT-130 (UN/ECE Rec. 20: <c>C62</c> one, <c>MIN</c> minute).</summary>
    public required decimal Quantity { get; init; }
    public required string UnitCode { get; init; }
    /// <summary>BT-131, 2 decimals.</summary>
    public required decimal NetAmount { get; init; }
    /// <summary>BT-146, the net price of one unit (may carry more decimals than amounts).</summary>
    public required decimal UnitPrice { get; init; }
    /// <summary>BG-26, both days inclusive: a late-usage line carries its own period.</summary>
    public DateOnly? PeriodStart { get; init; }
    public DateOnly? PeriodEnd { get; init; }
    /// <summary>BT-151 and BT-152 (null rate for category O).</summary>
    public required string VatCategory { get; init; }
    public decimal? VatRate { get; init; }
}

/// <summary>BG-23: one VAT category and rate.</summary>
public sealed record UblVatBreakdown
{
    /// <summary>BT-118: <c>S</c>, <c>O</c>, <c>AE</c>…</summary>
    public required string Category { get; init; }
    /// <summary>BT-119 in percent (21 for 21%); null for category O.</summary>
    public decimal? Rate { get; init; }
    /// <summary>BT-116.</summary>
    public required decimal TaxableAmount { get; init; }
    /// <summary>BT-117.</summary>
    public required decimal TaxAmount { get; init; }
    /// <summary>BT-121 and BT-120 (categories O, AE, E).</summary>
    public string? ExemptionReasonCode { get; init; }
    public string? ExemptionReason { get; init; }
}

/// <summary>BG-22.</summary>
public sealed record UblTotals
{
    /// <summary>BT-106: Σ line net amounts.</summary>
    public required decimal LineExtension { get; init; }
    /// <summary>BT-109.</summary>
    public required decimal TaxExclusive { get; init; }
    /// <summary>BT-110: Σ breakdown VAT.</summary>
    public required decimal VatTotal { get; init; }
    /// <summary>BT-112.</summary>
    public required decimal TaxInclusive { get; init; }
    /// <summary>BT-113: client credit already paid (never a negative line, which would cut the VAT base).</summary>
    public decimal Prepaid { get; init; }
    /// <summary>BT-115 = BT-112 − BT-113.</summary>
    public required decimal Payable { get; init; }
}
