using Billing.Domain.EFactura;

namespace Billing.Domain.Invoicing.CreditNotes;

/// <summary>
/// A credit note ("storno", "CreditNote"): credits part or all of an issued invoice, which itself never changes. It has
/// its own gap-free number series (<c>VAI-CN-2026-000001</c>), its lines at the original invoice's VAT rates and tax
/// points, and its e-Factura document (UBL CreditNote, type 381) generated, validated and stored at issue. Never edited.
/// </summary>
public sealed class CreditNote
{
    public Guid Id { get; set; }
    public required string Number { get; set; }
    public Guid InvoiceId { get; set; }
    public required string ClientId { get; set; }
    public required string Currency { get; set; }
    public required string Reason { get; set; }
    /// <summary>BT-2, a day in the issuer's zone.</summary>
    public DateOnly IssueDate { get; set; }
    public DateTimeOffset IssuedAt { get; set; }
    /// <summary>What is credited before VAT, the VAT and the total (positive: the document type says they are credited).</summary>
    public decimal NetAmount { get; set; }
    public decimal VatAmount { get; set; }
    public decimal GrossAmount { get; set; }
    /// <summary>BT-111 for a credit note not in RON, at the original invoice's exchange rate.</summary>
    public decimal? VatAmountRon { get; set; }
    /// <summary>The validated UBL bytes and their SHA-256; null (with the failed rules) when the document did not pass.</summary>
    public byte[]? Content { get; set; }
    public string? Sha256 { get; set; }
    public string FindingsJson { get; set; } = "[]";
    public DateTimeOffset CreatedAt { get; set; }

    public List<CreditNoteLine> Lines { get; set; } = [];
    public List<CreditNoteVatBreakdown> VatBreakdown { get; set; } = [];

    public IReadOnlyList<EFacturaFinding> Findings => EFacturaFindings.Parse(FindingsJson);
}

/// <summary>One credited line: which line of the invoice (<see cref="InvoiceLine"/>), how much of its amount, and at which rate.</summary>
public sealed class CreditNoteLine
{
    public Guid CreditNoteId { get; set; }
    public int LineNo { get; set; }
    /// <summary><c>fee</c>, <c>minutes</c> or <c>late:YYYY-MM</c> (<see cref="InvoiceLines"/>).</summary>
    public required string InvoiceLine { get; set; }
    public required string Description { get; set; }
    /// <summary>In the invoice's prices: net on a net basis, gross on a gross basis (as the invoice's own line amounts).</summary>
    public decimal Amount { get; set; }
    public decimal Net { get; set; }
    public required string VatCategory { get; set; }
    public decimal VatRate { get; set; }
    /// <summary>A late-usage line's own period (both days inclusive).</summary>
    public DateOnly? PeriodStart { get; set; }
    public DateOnly? PeriodEnd { get; set; }
}

/// <summary>One VAT breakdown of a credit note (BG-23), at the original invoice's category and rate.</summary>
public sealed class CreditNoteVatBreakdown
{
    public Guid CreditNoteId { get; set; }
    public required string Category { get; set; }
    public decimal RatePercent { get; set; }
    public decimal Net { get; set; }
    public decimal Vat { get; set; }
    public string? ExemptionReasonCode { get; set; }
    public string? ExemptionReason { get; set; }
}
