using Billing.Domain.Parties;

namespace Billing.Tests.Domain;

public sealed class FiscalCodeTests
{
    [Theory]
    [InlineData("14399840")] // check digit 0 from (154 × 10) mod 11 = 0
    [InlineData("RO14399840")]
    [InlineData("RO 14399840")]
    [InlineData("18547290")] // (Σ × 10) mod 11 = 10, which counts as 0
    public void A_cui_with_its_check_digit_is_valid(string cui) => Assert.True(FiscalCode.IsValidCui(cui));

    [Theory]
    [InlineData("14399841")]
    [InlineData("1")]
    [InlineData("12345678901")]
    [InlineData("RO")]
    [InlineData("14399A40")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("0000000000000")]
    public void A_cui_with_a_wrong_check_digit_or_shape_is_invalid(string? cui) => Assert.False(FiscalCode.IsValidCui(cui));

    [Fact]
    public void A_person_without_a_tax_id_is_identified_by_13_zeros()
    {
        Assert.True(FiscalCode.IsValidBuyerId("0000000000000"));
        Assert.False(FiscalCode.IsValidBuyerId("000000000000"));
    }

    [Theory]
    [InlineData("RO-CJ", "Cluj-Napoca", true)]
    [InlineData("RO-B", "SECTOR1", true)]
    [InlineData("RO-B", "SECTOR6", true)]
    [InlineData("RO-B", "SECTOR7", false)]
    [InlineData("RO-B", "Bucuresti", false)]
    [InlineData("RO-CJ", " ", false)]
    public void A_bucharest_address_names_its_sector_as_the_city(string county, string city, bool valid) =>
        Assert.Equal(valid, RomanianAddress.IsCounty(county) && RomanianAddress.IsCityOf(county, city));

    [Fact]
    public void Counties_are_the_41_iso_3166_2_ro_codes_and_bucharest()
    {
        Assert.Equal(42, RomanianAddress.Counties.Count);
        Assert.False(RomanianAddress.IsCounty("CJ"));
        Assert.False(RomanianAddress.IsCounty("RO-XX"));
    }
}
