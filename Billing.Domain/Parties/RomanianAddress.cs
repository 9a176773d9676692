namespace Billing.Domain.Parties;

/// <summary>
/// CIUS-RO address rules: the county (<c>cbc:CountrySubentity</c>) is an ISO 3166-2:RO code, and a Bucharest
/// address (<c>RO-B</c>) names its sector as the city, <c>SECTOR1</c> … <c>SECTOR6</c>.
/// </summary>
public static class RomanianAddress
{
    public const string Bucharest = "RO-B";

    /// <summary>The 41 counties and Bucharest, ISO 3166-2:RO.</summary>
    public static readonly IReadOnlySet<string> Counties = new HashSet<string>(StringComparer.Ordinal)
    {
        "RO-AB", "RO-AR", "RO-AG", "RO-BC", "RO-BH", "RO-BN", "RO-BT", "RO-BR", "RO-BV", "RO-BZ", "RO-CL", "RO-CS",
        "RO-CJ", "RO-CT", "RO-CV", "RO-DB", "RO-DJ", "RO-GL", "RO-GR", "RO-GJ", "RO-HR", "RO-HD", "RO-IL", "RO-IS",
        "RO-IF", "RO-MM", "RO-MH", "RO-MS", "RO-NT", "RO-OT", "RO-PH", "RO-SJ", "RO-SM", "RO-SB", "RO-SV", "RO-TR",
        "RO-TM", "RO-TL", "RO-VL", "RO-VS", "RO-VN", Bucharest,
    };

    public static bool IsCounty(string? county) => county is not null && Counties.Contains(county);

    /// <summary>Outside Bucharest any non-blank city; in Bucharest exactly <c>SECTOR1</c> … <c>SECTOR6</c>.</summary>
    public static bool IsCityOf(string? county, string? city) =>
        county == Bucharest
            ? city is { Length: 7 } && city.StartsWith("SECTOR", StringComparison.Ordinal) && city[6] is >= '1' and <= '6'
            : !string.IsNullOrWhiteSpace(city);
}
