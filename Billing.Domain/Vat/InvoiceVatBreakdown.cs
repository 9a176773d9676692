namespace Billing.Domain.Vat;

/// <summary>
/// One VAT breakdown of an issued invoice (EN 16931 BG-23, "InvoiceVatBreakdown"): the lines of one category and
/// rate, their net, VAT and gross. The database checks net + VAT = gross here and that the breakdowns sum to the
/// invoice's totals.
/// </summary>
public sealed class InvoiceVatBreakdown
{
    public Guid InvoiceId { get; set; }
    /// <summary>BT-118: <c>S</c>, <c>O</c> or <c>AE</c> (<see cref="VatCategoryCodes.Code"/>).</summary>
    public required string Category { get; set; }
    /// <summary>BT-119 in percent; 0 for O and AE.</summary>
    public decimal RatePercent { get; set; }
    public decimal Net { get; set; }
    public decimal Vat { get; set; }
    public decimal Gross { get; set; }
    /// <summary>BT-121 (<c>VATEX-EU-O</c>, <c>VATEX-EU-AE</c>) and BT-120, for categories O and AE.</summary>
    public string? ExemptionReasonCode { get; set; }
    public string? ExemptionReason { get; set; }
}
