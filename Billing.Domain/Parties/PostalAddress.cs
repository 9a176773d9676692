using Billing.Domain.Common;

namespace Billing.Domain.Parties;

/// <summary>
/// A party's address as RO e-Factura wants it: street, city, county as ISO 3166-2:RO (<c>RO-CJ</c>; Bucharest
/// <c>RO-B</c> with city <c>SECTOR1</c>…<c>SECTOR6</c>), postal code, country as ISO 3166-1 alpha-2. Outside Romania
/// the county is free text and optional.
/// </summary>
public sealed record PostalAddress(string? Street, string? City, string? County, string? PostalCode, string Country = PostalAddress.Romania)
{
    public const string Romania = "RO";
    public const int MaxStreet = 150;
    public const int MaxCity = 100;
    public const int MaxCounty = 50;
    public const int MaxPostalCode = 20;

    public bool IsRomanian => Country == Romania;

    /// <summary>The address stored in these columns, or none when nothing is (a Romanian default country alone is no address).</summary>
    public static PostalAddress? FromColumns(string? street, string? city, string? county, string? postalCode, string country) =>
        street is null && city is null && county is null && postalCode is null && country == Romania
            ? null : new PostalAddress(street, city, county, postalCode, country);

    /// <summary>Trimmed, blanks as null, codes upper case (<c>ro-cj</c> → <c>RO-CJ</c>, <c>sector1</c> → <c>SECTOR1</c>).</summary>
    public PostalAddress Normalized()
    {
        var country = PartyText.Clean(Country)?.ToUpperInvariant() ?? Romania;
        var county = PartyText.Clean(County);
        var city = PartyText.Clean(City);
        if (country == Romania)
        {
            county = county?.ToUpperInvariant();
            if (county == RomanianAddress.Bucharest)
            {
                city = city?.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();
            }
        }
        return new PostalAddress(PartyText.Clean(Street), city, county, PartyText.Clean(PostalCode), country);
    }

    /// <summary>
    /// What is wrong with the fields present, named <c>{prefix}.street</c> etc. With <paramref name="complete"/> the
    /// fields e-Factura needs (street, city, and a Romanian county) are required too.
    /// </summary>
    public FieldErrors Validate(FieldErrors errors, string prefix, bool complete)
    {
        errors.Check(Country.Length == 2 && Country.All(char.IsAsciiLetterUpper), $"{prefix}.country",
            $"'{Country}' is not an ISO 3166-1 alpha-2 country code such as RO.");
        errors.Check(Street is null || Street.Length <= MaxStreet, $"{prefix}.street", $"At most {MaxStreet} characters.");
        errors.Check(City is null || City.Length <= MaxCity, $"{prefix}.city", $"At most {MaxCity} characters.");
        errors.Check(PostalCode is null || PostalCode.Length <= MaxPostalCode, $"{prefix}.postalCode", $"At most {MaxPostalCode} characters.");
        if (IsRomanian)
        {
            errors.Check(County is null || RomanianAddress.IsCounty(County), $"{prefix}.county",
                $"'{County}' is not an ISO 3166-2:RO county code such as RO-CJ (Bucharest: RO-B).");
            errors.Check(County != RomanianAddress.Bucharest || City is null || RomanianAddress.IsCityOf(County, City), $"{prefix}.city",
                "A Bucharest address (RO-B) names its sector as the city: SECTOR1 to SECTOR6.");
        }
        else
        {
            errors.Check(County is null || County.Length <= MaxCounty, $"{prefix}.county", $"At most {MaxCounty} characters.");
        }
        if (complete)
        {
            errors.Check(Street is not null, $"{prefix}.street", "Required.");
            errors.Check(City is not null, $"{prefix}.city", "Required.");
            errors.Check(!IsRomanian || County is not null, $"{prefix}.county", "Required for a Romanian address.");
        }
        return errors;
    }

    /// <summary>The fields e-Factura needs that are missing, as <c>{prefix}.street</c> etc.</summary>
    public IEnumerable<string> Missing(string prefix)
    {
        if (Street is null) yield return $"{prefix}.street";
        if (City is null) yield return $"{prefix}.city";
        if (IsRomanian && County is null) yield return $"{prefix}.county";
    }
}
