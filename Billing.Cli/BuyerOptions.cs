using System.CommandLine;
using Billing.Domain.Common;
using Billing.Domain.Parties;
using Billing.Domain.Vat;

namespace Billing.Cli;

/// <summary>The client-as-buyer options <c>billing clients add</c> and <c>set</c> share; any not given is left as it is.</summary>
internal sealed class BuyerOptions
{
    private readonly Option<string?> _legalName = new("--legal-name") { Description = "Legal name as registered, e.g. 'Cabinet Dr. Șerban SRL'." };
    private readonly Option<string?> _fiscalCode = new("--fiscal-code")
    { Description = $"CUI (RO prefix for a VAT payer), {FiscalCode.PersonWithoutTaxId} for a person, or a buyer abroad's VAT id." };
    private readonly Option<string?> _tradeRegister = new("--trade-register") { Description = "Trade register number, e.g. J12/345/2019." };
    private readonly Option<string?> _street = new("--street");
    private readonly Option<string?> _city = new("--city") { Description = "City; in Bucharest SECTOR1 to SECTOR6." };
    private readonly Option<string?> _county = new("--county") { Description = "ISO 3166-2:RO, e.g. RO-CJ; Bucharest RO-B." };
    private readonly Option<string?> _postalCode = new("--postal-code");
    private readonly Option<string?> _country = new("--country") { Description = "ISO 3166-1 alpha-2 (default RO); abroad means reverse charge." };
    private readonly Option<string?> _billingEmail = new("--billing-email") { Description = "Where invoices go." };
    private readonly Option<string?> _priceBasis = new("--price-basis") { Description = "net (prices before VAT, default) or gross (VAT included)." };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { _legalName, _fiscalCode, _tradeRegister, _street, _city, _county, _postalCode, _country, _billingEmail, _priceBasis })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The buyer fields given; the address is <paramref name="current"/>'s with the parts given replaced (null when none is given).</summary>
    public BuyerDetails Read(ParseResult parse, PostalAddress? current)
    {
        var parts = (parse.GetValue(_street), parse.GetValue(_city), parse.GetValue(_county), parse.GetValue(_postalCode), parse.GetValue(_country));
        var address = parts is (null, null, null, null, null)
            ? null
            : new PostalAddress(parts.Item1 ?? current?.Street, parts.Item2 ?? current?.City, parts.Item3 ?? current?.County,
                parts.Item4 ?? current?.PostalCode, parts.Item5 ?? current?.Country ?? PostalAddress.Romania);
        return new BuyerDetails(parse.GetValue(_legalName), parse.GetValue(_fiscalCode), parse.GetValue(_tradeRegister), address,
            parse.GetValue(_billingEmail));
    }

    public PriceBasis? PriceBasis(ParseResult parse) => parse.GetValue(_priceBasis) is { } text
        ? TextEnum.TryParse<PriceBasis>(text, out var basis) ? basis : throw new ArgumentException($"--price-basis must be net or gross, not '{text}'.")
        : null;
}
