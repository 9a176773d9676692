namespace Billing.Domain.EFactura;

/// <summary>
/// Romanian fiscal identifiers and address codes as CIUS-RO wants them: the CUI (cod unic de înregistrare) with its
/// check digit, the CNP of a person, the 13-zero identifier of a person without one, ISO 3166-2:RO counties and
/// Bucharest's sectors.
/// </summary>
public static class RomanianIdentifiers
{
    /// <summary>The buyer identifier of a person without a tax id (B2C).</summary>
    public const string PersonWithoutTaxId = "0000000000000";

    /// <summary>ISO 3166-2:RO, as listed by the CIUS-RO schematron (41 counties and Bucharest, <c>RO-B</c>).</summary>
    public static readonly IReadOnlySet<string> Counties = new HashSet<string>(StringComparer.Ordinal)
    {
        "RO-AB", "RO-AG", "RO-AR", "RO-B", "RO-BC", "RO-BH", "RO-BN", "RO-BR", "RO-BT", "RO-BV", "RO-BZ", "RO-CJ",
        "RO-CL", "RO-CS", "RO-CT", "RO-CV", "RO-DB", "RO-DJ", "RO-GJ", "RO-GL", "RO-GR", "RO-HD", "RO-HR", "RO-IF",
        "RO-IL", "RO-IS", "RO-MH", "RO-MM", "RO-MS", "RO-NT", "RO-OT", "RO-PH", "RO-SB", "RO-SJ", "RO-SM", "RO-SV",
        "RO-TL", "RO-TM", "RO-TR", "RO-VL", "RO-VN", "RO-VS",
    };

    public const string Bucharest = "RO-B";

    /// <summary>The city of a Bucharest address: its sector (BR-RO-100).</summary>
    public static readonly IReadOnlySet<string> BucharestSectors = new HashSet<string>(StringComparer.Ordinal)
        { "SECTOR1", "SECTOR2", "SECTOR3", "SECTOR4", "SECTOR5", "SECTOR6" };

    /// <summary>
    /// A CUI/CIF: 2 to 10 digits, the last a check digit: the others, right-aligned under the key 753217532, are
    /// multiplied and summed; (sum × 10) mod 11, with 10 read as 0, is the check digit. An <c>RO</c> prefix is allowed.
    /// </summary>
    public static bool IsValidCui(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)) return false;
        var digits = value.Trim();
        if (digits.StartsWith("RO", StringComparison.OrdinalIgnoreCase)) digits = digits[2..];
        if (digits.Length is < 2 or > 10 || !digits.All(char.IsAsciiDigit)) return false;
        const string key = "753217532";
        var body = digits[..^1];
        var offset = key.Length - body.Length;
        var sum = 0;
        for (var i = 0; i < body.Length; i++) sum += (body[i] - '0') * (key[offset + i] - '0');
        var check = sum * 10 % 11;
        if (check == 10) check = 0;
        return check == digits[^1] - '0';
    }

    /// <summary>A CNP: 13 digits, the last a check digit over the key 279146358279 (sum mod 11, 10 read as 1).</summary>
    public static bool IsValidCnp(string? value)
    {
        if (value is not { Length: 13 } || !value.All(char.IsAsciiDigit) || value[0] == '0') return false;
        const string key = "279146358279";
        var sum = 0;
        for (var i = 0; i < 12; i++) sum += (value[i] - '0') * (key[i] - '0');
        var check = sum % 11;
        if (check == 10) check = 1;
        return check == value[12] - '0';
    }
}
