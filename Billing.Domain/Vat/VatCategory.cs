namespace Billing.Domain.Vat;

/// <summary>
/// The EN 16931 VAT category codes (UNCL 5305 subset) our invoices use: BT-118 / BT-151.
/// </summary>
public enum VatCategory
{
    /// <summary><c>S</c>: standard or reduced rate, charged by a VAT-registered issuer.</summary>
    Standard,

    /// <summary><c>O</c>: not subject to VAT (the issuer is not VAT registered); rate 0, an exemption reason is stated.</summary>
    NotSubject,

    /// <summary><c>AE</c>: reverse charge (a buyer abroad accounts for the VAT); rate 0.</summary>
    ReverseCharge,
}

public static class VatCategoryCodes
{
    public static string Code(this VatCategory category) => category switch
    {
        VatCategory.Standard => "S",
        VatCategory.NotSubject => "O",
        VatCategory.ReverseCharge => "AE",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, null),
    };

    /// <summary>Categories O and AE carry no VAT on the invoice, whatever rate table is in force.</summary>
    public static bool ChargesVat(this VatCategory category) => category == VatCategory.Standard;
}

/// <summary>Whether a client's prices are before VAT (net) or already include it (gross, typical for small businesses).</summary>
public enum PriceBasis
{
    Net,
    Gross,
}
