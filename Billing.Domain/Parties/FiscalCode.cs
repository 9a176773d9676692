namespace Billing.Domain.Parties;

/// <summary>
/// Romanian fiscal identifiers of a party: a company's CUI (optionally with the <c>RO</c> prefix of a VAT payer)
/// whose last digit is a check digit, or, for a person without one, the 13-zero identifier RO e-Factura accepts.
/// </summary>
public static class FiscalCode
{
    /// <summary>The identifier a buyer who is a person without a tax id carries on a B2C invoice (GEO 69/2024).</summary>
    public const string PersonWithoutTaxId = "0000000000000";

    private static readonly int[] Key = [7, 5, 3, 2, 1, 7, 5, 3, 2];

    /// <summary>
    /// Whether <paramref name="cui"/> (2 to 10 digits, optional <c>RO</c>) has a correct check digit: the body,
    /// left-padded to 9 digits, is weighted by 753217532; (Σ × 10) mod 11 is the check digit, 10 counting as 0.
    /// </summary>
    public static bool IsValidCui(string? cui)
    {
        var digits = StripVatPrefix(cui);
        if (digits is null || digits.Length is < 2 or > 10 || !digits.All(char.IsAsciiDigit) || digits[0] == '0')
        {
            return false;
        }
        var body = digits[..^1].PadLeft(9, '0');
        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            sum += (body[i] - '0') * Key[i];
        }
        var check = sum * 10 % 11 % 10;
        return check == digits[^1] - '0';
    }

    /// <summary>The CUI without its <c>RO</c> prefix, trimmed; null for null or blank.</summary>
    public static string? StripVatPrefix(string? cui)
    {
        if (string.IsNullOrWhiteSpace(cui))
        {
            return null;
        }
        var trimmed = cui.Trim();
        return trimmed.StartsWith("RO", StringComparison.OrdinalIgnoreCase) ? trimmed[2..].TrimStart() : trimmed;
    }

    /// <summary>A buyer is identified either by a valid CUI or, as a person, by <see cref="PersonWithoutTaxId"/>.</summary>
    public static bool IsValidBuyerId(string? id) => id == PersonWithoutTaxId || IsValidCui(id);
}
