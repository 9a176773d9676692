using Billing.Domain.Parties;

namespace Billing.Tests.Parties;

/// <summary>The party rules that need no database: IBAN, addresses, the issuer's and the buyer's field checks.</summary>
public sealed class PartyRulesTests
{
    public static IssuerDetails ValidIssuer() => new("Agenția Voce SRL", "RO18547290", VatPayer: true, VatOnReceipt: false, "J40/1234/2020",
        new PostalAddress("Str. Lipscani 10", "SECTOR3", "RO-B", "030031"), "RO49 AAAA 1B31 0075 9384 0000", "Banca Transilvania",
        "facturi@voce.ro", "+40 21 000 0000", null);

    [Theory]
    [InlineData("RO49AAAA1B31007593840000", true)]
    [InlineData("ro49 aaaa 1b31 0075 9384 0000", true)]
    [InlineData("RO49AAAA1B31007593840001", false)] // check digits do not match
    [InlineData("RO49AAAA1B3100759384000", false)] // a Romanian IBAN has 24 characters
    [InlineData("DE89370400440532013000", true)]
    [InlineData("49AAAA1B31007593840000", false)]
    public void An_iban_is_checked_by_its_mod_97_check_digits(string iban, bool valid) => Assert.Equal(valid, Iban.IsValid(iban));

    [Fact]
    public void A_complete_issuer_passes_and_is_stored_without_the_RO_prefix_and_spaces()
    {
        var details = ValidIssuer().Normalized();

        Assert.True(details.Validate().IsEmpty, details.Validate().ToString());
        var issuer = details.ApplyTo(null);
        Assert.Equal(("18547290", "RO18547290", "RO49AAAA1B31007593840000"), (issuer.FiscalCode, issuer.VatId, issuer.Iban));
    }

    [Fact]
    public void Every_wrong_issuer_field_is_named()
    {
        var details = (ValidIssuer() with
        {
            FiscalCode = "RO18547291",
            Iban = "RO49AAAA1B31007593840001",
            Address = new PostalAddress("Str. X", "Bucuresti", "RO-B", null),
            VatOnReceipt = true,
            VatPayer = false,
            TradeRegisterNumber = " ",
        }).Normalized();

        var errors = details.Validate().ToDictionary();

        Assert.Equal(["address.city", "fiscalCode", "iban", "tradeRegisterNumber", "vatExemptionReason", "vatOnReceipt"], errors.Keys.Order());
    }

    [Fact]
    public void A_county_must_be_an_iso_code_and_a_missing_address_is_named()
    {
        var withCounty = (ValidIssuer() with { Address = new PostalAddress("Str. Memorandumului 1", "Cluj-Napoca", "CJ", null) }).Normalized();
        var without = (ValidIssuer() with { Address = null }).Normalized();

        Assert.Equal(["address.county"], withCounty.Validate().ToDictionary().Keys);
        Assert.Equal(["address"], without.Validate().ToDictionary().Keys);
        Assert.True((ValidIssuer() with { Address = new PostalAddress("Str. M 1", "Cluj-Napoca", "ro-cj", null) }).Normalized().Validate().IsEmpty);
    }

    [Theory]
    [InlineData("14399840", null)]
    [InlineData("RO14399840", null)]
    [InlineData("0000000000000", null)] // a person without a tax id
    [InlineData("14399841", "fiscalCode")]
    [InlineData("1234567890123", "fiscalCode")] // a CNP is not accepted as a buyer id here
    public void A_buyer_fiscal_code_is_a_valid_cui_or_the_13_zero_person_id(string code, string? error)
    {
        var errors = new BuyerDetails("Cabinet SRL", code, null, null, null).Normalized().Validate(new());

        Assert.Equal(error is null ? [] : [error], errors.ToDictionary().Keys);
    }

    [Fact]
    public void A_buyer_abroad_gives_its_own_vat_id_and_needs_no_county()
    {
        var buyer = new BuyerDetails("Praxis GmbH", "DE123456789", null, new PostalAddress("Hauptstr. 1", "Berlin", null, "10115", "de"), null)
            .Normalized();

        Assert.True(buyer.Validate(new()).IsEmpty);
        Assert.True(buyer.Abroad);
        Assert.Empty(buyer.Missing());
    }

    [Fact]
    public void Incomplete_buyer_details_are_accepted_and_list_what_is_missing()
    {
        var buyer = new BuyerDetails("Cabinet SRL", null, null, new PostalAddress(null, "SECTOR2", "RO-B", null), null).Normalized();

        Assert.True(buyer.Validate(new()).IsEmpty);
        Assert.Equal(["fiscalCode", "address.street"], buyer.Missing());
        Assert.Equal(["legalName", "fiscalCode", "address"], BuyerDetails.None.Missing());
    }
}
