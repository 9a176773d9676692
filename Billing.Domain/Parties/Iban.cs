namespace Billing.Domain.Parties;

/// <summary>ISO 13616 IBAN: two letters, two check digits, the account; the whole is 1 mod 97. A Romanian one has 24 characters.</summary>
public static class Iban
{
    /// <summary>Upper case, without the spaces people write it with (<c>RO49 AAAA 1B31 ...</c>).</summary>
    public static string Normalize(string iban) => string.Concat(iban.Where(c => !char.IsWhiteSpace(c))).ToUpperInvariant();

    public static bool IsValid(string? iban)
    {
        if (iban is null)
        {
            return false;
        }
        var value = Normalize(iban);
        if (value.Length is < 15 or > 34 || !char.IsAsciiLetterUpper(value[0]) || !char.IsAsciiLetterUpper(value[1])
            || !char.IsAsciiDigit(value[2]) || !char.IsAsciiDigit(value[3]) || !value.All(char.IsAsciiLetterOrDigit))
        {
            return false;
        }
        if (value.StartsWith("RO", StringComparison.Ordinal) && value.Length != 24)
        {
            return false;
        }
        // The first four characters move to the end, letters count as 10..35; computed digit by digit to stay in an int.
        var remainder = 0;
        foreach (var c in value[4..] + value[..4])
        {
            var digits = char.IsAsciiDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = digits >= 10 ? (remainder * 100 + digits) % 97 : (remainder * 10 + digits) % 97;
        }
        return remainder == 1;
    }
}
