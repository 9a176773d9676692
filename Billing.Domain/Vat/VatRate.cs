namespace Billing.Domain.Vat;

/// <summary>Which of the country's rates a line uses; our services are at the standard rate unless a client says otherwise.</summary>
public enum VatRateKind
{
    Standard,
    Reduced,
}

/// <summary>
/// One VAT rate with its validity (inclusive dates; <see cref="ValidTo"/> null while in force). Rates are data,
/// edited by an admin, never constants in code: 19% standard to 2025-07-31, 21% standard and 11% reduced from
/// 2025-08-01 (Law 141/2025).
/// </summary>
public sealed record VatRate(VatRateKind Kind, decimal Percent, DateOnly ValidFrom, DateOnly? ValidTo)
{
    public bool AppliesOn(DateOnly day) => ValidFrom <= day && (ValidTo is null || day <= ValidTo);
}

public static class VatRates
{
    /// <summary>
    /// The rate of <paramref name="kind"/> in force on <paramref name="taxPoint"/>. None or two in force is a data
    /// error the admin has to fix, so it is refused rather than guessed.
    /// </summary>
    public static VatRate InForce(IEnumerable<VatRate> rates, VatRateKind kind, DateOnly taxPoint)
    {
        var matching = rates.Where(r => r.Kind == kind && r.AppliesOn(taxPoint)).Take(2).ToList();
        return matching.Count switch
        {
            1 => matching[0],
            0 => throw new InvalidOperationException($"No {kind} VAT rate is in force on {taxPoint:yyyy-MM-dd}."),
            _ => throw new InvalidOperationException($"Two {kind} VAT rates overlap on {taxPoint:yyyy-MM-dd}."),
        };
    }
}
