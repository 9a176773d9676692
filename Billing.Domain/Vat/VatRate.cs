namespace Billing.Domain.Vat;

/// <summary>Which of the country's rates a line uses; our services are at the standard rate.</summary>
public enum VatRateKind
{
    Standard,
    Reduced,
}

/// <summary>
/// One VAT rate with its validity (inclusive dates; <see cref="ValidTo"/> null while in force), a row of "VatRate".
/// Rates are data, edited by an admin (<see cref="VatRateTable"/>), never constants in code: seeded with 19% standard
/// to 2025-07-31, 21% standard and 11% reduced from 2025-08-01 (Law 141/2025).
/// </summary>
public sealed class VatRate(VatRateKind kind, decimal percent, DateOnly validFrom, DateOnly? validTo)
{
    public int Id { get; set; }
    public VatRateKind Kind { get; set; } = kind;
    /// <summary>In percent (21 for 21%), at most 2 decimals.</summary>
    public decimal Percent { get; set; } = percent;
    public DateOnly ValidFrom { get; set; } = validFrom;
    public DateOnly? ValidTo { get; set; } = validTo;

    public bool AppliesOn(DateOnly day) => ValidFrom <= day && (ValidTo is null || day <= ValidTo);

    public bool Overlaps(VatRate other) =>
        Kind == other.Kind && ValidFrom <= (other.ValidTo ?? DateOnly.MaxValue) && other.ValidFrom <= (ValidTo ?? DateOnly.MaxValue);
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
            0 => throw new InvalidOperationException($"No {kind} VAT rate is in force on {taxPoint:yyyy-MM-dd}: add one with PUT /api/vat-rates or 'billing vat-rates set'."),
            _ => throw new InvalidOperationException($"Two {kind} VAT rates overlap on {taxPoint:yyyy-MM-dd}."),
        };
    }
}
