using Billing.Domain.Common;

namespace Billing.Domain.Parties;

/// <summary>
/// A client's identity as the buyer of its invoices (EN 16931 BG-7). Any of it may be missing: the client is still
/// invoiced (the money is owed), but its invoices are not exportable to e-Factura until it is complete
/// (<see cref="Missing"/>). What is given is checked: a CUI's check digit, the 13-zero id of a person, the county codes.
/// </summary>
public sealed record BuyerDetails(string? LegalName, string? FiscalCode, string? TradeRegisterNumber, PostalAddress? Address,
    string? BillingEmail)
{
    public const int MaxLegalName = 200;
    public const int MaxFiscalCode = 30;
    public const int MaxTradeRegisterNumber = 50;

    public static BuyerDetails None { get; } = new(null, null, null, null, null);

    public BuyerDetails Normalized() => new(PartyText.Clean(LegalName), PartyText.Clean(FiscalCode)?.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant(),
        PartyText.Clean(TradeRegisterNumber)?.ToUpperInvariant(), Address?.Normalized(), PartyText.Clean(BillingEmail));

    /// <summary>These details with the fields <paramref name="changes"/> gives replaced (an address is replaced whole).</summary>
    public BuyerDetails With(BuyerDetails changes) => new(changes.LegalName ?? LegalName, changes.FiscalCode ?? FiscalCode,
        changes.TradeRegisterNumber ?? TradeRegisterNumber, changes.Address ?? Address, changes.BillingEmail ?? BillingEmail);

    /// <summary>
    /// What is wrong with the fields given (on <see cref="Normalized"/> details). In Romania (or with no address yet)
    /// the fiscal code is a CUI with a valid check digit (the <c>RO</c> prefix of a VAT payer allowed) or a person's
    /// <c>0000000000000</c>; a buyer abroad gives its own country's VAT id.
    /// </summary>
    public FieldErrors Validate(FieldErrors errors)
    {
        errors.Check(LegalName is null || LegalName.Length <= MaxLegalName, "legalName", $"At most {MaxLegalName} characters.");
        errors.Check(TradeRegisterNumber is null || TradeRegisterNumber.Length <= MaxTradeRegisterNumber, "tradeRegisterNumber",
            $"At most {MaxTradeRegisterNumber} characters.");
        errors.Check(BillingEmail is null || PartyText.IsEmail(BillingEmail), "billingEmail", "Not an e-mail address.");
        if (FiscalCode is not null)
        {
            if (Abroad)
            {
                errors.Check(FiscalCode.Length is >= 2 and <= MaxFiscalCode && FiscalCode.All(char.IsAsciiLetterOrDigit), "fiscalCode",
                    $"The buyer's VAT id in its country: 2 to {MaxFiscalCode} letters or digits.");
            }
            else
            {
                errors.Check(Parties.FiscalCode.IsValidBuyerId(FiscalCode), "fiscalCode",
                    $"A CUI with a correct check digit (RO prefix for a VAT payer), or {Parties.FiscalCode.PersonWithoutTaxId} for a person without one.");
            }
        }
        Address?.Validate(errors, "address", complete: false);
        return errors;
    }

    /// <summary>A buyer outside Romania: its invoices are reverse charge (category AE).</summary>
    public bool Abroad => Address is { IsRomanian: false };

    /// <summary>The fields e-Factura needs that are missing, named as the API names them.</summary>
    public IReadOnlyList<string> Missing()
    {
        var missing = new List<string>();
        if (LegalName is null) missing.Add("legalName");
        if (FiscalCode is null) missing.Add("fiscalCode");
        if (Address is null)
        {
            missing.Add("address");
        }
        else
        {
            missing.AddRange(Address.Missing("address"));
        }
        return missing;
    }
}
