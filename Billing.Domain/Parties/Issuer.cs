using Billing.Domain.Common;

namespace Billing.Domain.Parties;

/// <summary>
/// The agency that issues the invoices (the seller, EN 16931 BG-4): one row, edited by an admin. Each invoice copies
/// it at issue (<c>InvoiceParty</c>), so an edit applies to invoices issued after it and never to issued ones.
/// </summary>
public sealed class Issuer
{
    /// <summary>Always <see cref="SingleId"/>: a CHECK keeps the table to one row.</summary>
    public int Id { get; set; } = SingleId;
    public const int SingleId = 1;

    public string LegalName { get; set; } = "";
    /// <summary>The CUI's digits, without the <c>RO</c> prefix (<see cref="VatId"/> adds it for a VAT payer).</summary>
    public string FiscalCode { get; set; } = "";
    public bool VatPayer { get; set; }
    /// <summary>"TVA la încasare": VAT becomes due when the invoice is paid; stated on the invoice.</summary>
    public bool VatOnReceipt { get; set; }
    /// <summary>Stated on invoices of an issuer that is not a VAT payer (category O), e.g. the article it invoices under.</summary>
    public string? VatExemptionReason { get; set; }
    public string TradeRegisterNumber { get; set; } = "";
    public string Street { get; set; } = "";
    public string City { get; set; } = "";
    public string County { get; set; } = "";
    public string? PostalCode { get; set; }
    public string Country { get; set; } = PostalAddress.Romania;
    public string Iban { get; set; } = "";
    public string Bank { get; set; } = "";
    public string? Email { get; set; }
    public string? Phone { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>BT-31: <c>RO</c> + CUI for a VAT payer, none otherwise.</summary>
    public string? VatId => VatPayer ? PostalAddress.Romania + FiscalCode : null;

    public IssuerDetails ToDetails() => new(LegalName, VatId ?? FiscalCode, VatPayer, VatOnReceipt, TradeRegisterNumber,
        new PostalAddress(Street, City, County, PostalCode, Country), Iban, Bank, Email, Phone, VatExemptionReason);
}

/// <summary>The issuer as an admin sets it (<c>PUT /api/issuer</c>, <c>billing issuer set</c>); every field is named as the API names it.</summary>
public sealed record IssuerDetails(
    string? LegalName,
    string? FiscalCode,
    bool VatPayer,
    bool VatOnReceipt,
    string? TradeRegisterNumber,
    PostalAddress? Address,
    string? Iban,
    string? Bank,
    string? Email,
    string? Phone,
    string? VatExemptionReason)
{
    public const int MaxLegalName = 200;
    public const int MaxTradeRegisterNumber = 50;
    public const int MaxBank = 100;
    public const int MaxPhone = 30;
    public const int MaxExemptionReason = 300;

    /// <summary>Trimmed, blanks as null, the IBAN without spaces and the fiscal code upper case.</summary>
    public IssuerDetails Normalized() => this with
    {
        LegalName = PartyText.Clean(LegalName),
        FiscalCode = PartyText.Clean(FiscalCode)?.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant(),
        TradeRegisterNumber = PartyText.Clean(TradeRegisterNumber)?.ToUpperInvariant(),
        Address = Address?.Normalized(),
        Iban = PartyText.Clean(Iban) is { } iban ? Parties.Iban.Normalize(iban) : null,
        Bank = PartyText.Clean(Bank),
        Email = PartyText.Clean(Email),
        Phone = PartyText.Clean(Phone),
        VatExemptionReason = PartyText.Clean(VatExemptionReason),
    };

    /// <summary>Everything an invoice needs of its issuer, checked: an issuer is complete or refused. Call on <see cref="Normalized"/>.</summary>
    public FieldErrors Validate()
    {
        var errors = new FieldErrors()
            .Check(LegalName is { Length: <= MaxLegalName }, "legalName", $"Required, at most {MaxLegalName} characters.")
            .Check(TradeRegisterNumber is { Length: <= MaxTradeRegisterNumber }, "tradeRegisterNumber",
                $"Required (e.g. J40/1234/2020), at most {MaxTradeRegisterNumber} characters.")
            .Check(Iban is not null && Parties.Iban.IsValid(Iban), "iban", "Required: a valid IBAN (country, check digits, account; 24 characters in Romania).")
            .Check(Bank is { Length: <= MaxBank }, "bank", $"Required, at most {MaxBank} characters.")
            .Check(Email is null || PartyText.IsEmail(Email), "email", "Not an e-mail address.")
            .Check(Phone is null || Phone.Length <= MaxPhone, "phone", $"At most {MaxPhone} characters.")
            .Check(!VatOnReceipt || VatPayer, "vatOnReceipt", "Only a VAT payer applies VAT on receipt (TVA la încasare).")
            .Check(VatPayer || VatExemptionReason is not null, "vatExemptionReason",
                "Required when the issuer is not a VAT payer: the text its invoices state instead of VAT (category O).")
            .Check(VatExemptionReason is null || VatExemptionReason.Length <= MaxExemptionReason, "vatExemptionReason",
                $"At most {MaxExemptionReason} characters.");
        var hasPrefix = FiscalCode?.StartsWith(PostalAddress.Romania, StringComparison.Ordinal) == true;
        errors.Check(FiscalCode is not null && Parties.FiscalCode.IsValidCui(FiscalCode), "fiscalCode",
            "Required: the CUI (2 to 10 digits with a correct check digit), with the RO prefix when VAT registered.");
        errors.Check(!hasPrefix || VatPayer, "fiscalCode", "The RO prefix marks a VAT payer: drop it or set vatPayer.");
        if (Address is null)
        {
            errors.Add("address", "Required: street, city, county (ISO 3166-2:RO) and optionally postalCode.");
        }
        else
        {
            Address.Validate(errors, "address", complete: true);
            errors.Check(Address.IsRomanian, "address.country", "The issuer invoices from Romania: RO.");
        }
        return errors;
    }

    /// <summary>Copies the (validated, normalized) details onto <paramref name="issuer"/>, or makes one.</summary>
    public Issuer ApplyTo(Issuer? issuer)
    {
        var address = Address!;
        issuer ??= new Issuer();
        issuer.LegalName = LegalName!;
        issuer.FiscalCode = Parties.FiscalCode.StripVatPrefix(FiscalCode)!;
        issuer.VatPayer = VatPayer;
        issuer.VatOnReceipt = VatOnReceipt;
        issuer.VatExemptionReason = VatPayer ? null : VatExemptionReason;
        issuer.TradeRegisterNumber = TradeRegisterNumber!;
        issuer.Street = address.Street!;
        issuer.City = address.City!;
        issuer.County = address.County!;
        issuer.PostalCode = address.PostalCode;
        issuer.Country = address.Country;
        issuer.Iban = Iban!;
        issuer.Bank = Bank!;
        issuer.Email = Email;
        issuer.Phone = Phone;
        return issuer;
    }
}
