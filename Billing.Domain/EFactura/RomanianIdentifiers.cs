namespace Billing.Domain.EFactura;

/// <summary>
/// The CNP of a person, as the CIUS-RO rules check a buyer's identifier. The CUI check digit, the 13-zero identifier,
/// counties and Bucharest's sectors have their one home in <see cref="Parties.FiscalCode"/> and
/// <see cref="Parties.RomanianAddress"/>.
/// </summary>
public static class RomanianIdentifiers
{
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
