namespace Billing.Domain.Invoicing.Pdf;

/// <summary>An invoice's PDF as first rendered ("InvoicePdf"): stored once, so every download returns the same bytes.</summary>
public sealed class InvoicePdf
{
    public Guid InvoiceId { get; set; }
    public required byte[] Content { get; set; }
    /// <summary>Hex SHA-256 of <see cref="Content"/>, for an ETag and for checking a copy.</summary>
    public required string Sha256 { get; set; }
    public DateTimeOffset RenderedAt { get; set; }
}
