namespace Billing.Domain.Parties;

public enum PartyRole
{
    /// <summary>The issuer (BG-4).</summary>
    Seller,
    /// <summary>The client (BG-7).</summary>
    Buyer,
}

/// <summary>
/// A party as an invoice names it, copied at issue ("InvoiceParty"): later edits of the issuer or the client never
/// change an issued invoice. The buyer's copy may be incomplete; the invoice then lists the missing fields.
/// </summary>
public sealed class InvoiceParty
{
    public Guid InvoiceId { get; set; }
    public PartyRole Role { get; set; }
    public string? LegalName { get; set; }
    /// <summary>The seller's CUI digits; the buyer's fiscal code as given (CUI, 13 zeros, or a foreign VAT id).</summary>
    public string? FiscalCode { get; set; }
    /// <summary>BT-31 / BT-48: <c>RO</c> + CUI for a VAT payer, or a buyer abroad's VAT id.</summary>
    public string? VatId { get; set; }
    public string? TradeRegisterNumber { get; set; }
    public string? Street { get; set; }
    public string? City { get; set; }
    public string? County { get; set; }
    public string? PostalCode { get; set; }
    public string Country { get; set; } = PostalAddress.Romania;
    public string? Email { get; set; }
    /// <summary>Seller only.</summary>
    public string? Phone { get; set; }
    public string? Iban { get; set; }
    public string? Bank { get; set; }
    public bool VatOnReceipt { get; set; }
}
