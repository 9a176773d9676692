namespace Billing.Domain.Payments;

/// <summary>
/// Stripe counts money in a currency's smallest unit (bani for RON, cents for EUR) and zero-decimal currencies in whole
/// units. The one conversion both ways, so the pay link and the webhook can never disagree about what 1000.00 RON is.
/// </summary>
public static class StripeAmounts
{
    // Stripe's documented zero-decimal currencies.
    private static readonly HashSet<string> ZeroDecimal = new(StringComparer.OrdinalIgnoreCase)
    {
        "BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF",
    };

    private static decimal Factor(string currency) => ZeroDecimal.Contains(currency) ? 1m : 100m;

    /// <summary>The amount in minor units; refused (an exception) when it has more decimals than the currency has.</summary>
    public static long ToMinor(decimal amount, string currency)
    {
        var minor = amount * Factor(currency);
        return minor == decimal.Truncate(minor)
            ? (long)minor
            : throw new ArgumentException($"{amount} {currency} has more decimals than {currency} has minor units.", nameof(amount));
    }

    public static decimal FromMinor(long minor, string currency) => minor / Factor(currency);
}
