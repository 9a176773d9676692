using Billing.Domain.Common;

namespace Billing.Domain.Vat;

/// <summary>One priced invoice line as the VAT computation sees it: its amount (net or gross per the client's basis) and its breakdown.</summary>
/// <param name="Amount">Already rounded to cents (<see cref="Money.RoundLine"/>); net or gross as the invoice's <see cref="PriceBasis"/> says.</param>
/// <param name="Category">EN 16931 category of this line (BT-151).</param>
/// <param name="RatePercent">VAT rate in percent (BT-152), e.g. 21; 0 for categories O and AE.</param>
public readonly record struct TaxableLine(decimal Amount, VatCategory Category, decimal RatePercent);

/// <summary>One VAT breakdown (BG-23): all lines of one category and rate.</summary>
public sealed record VatBreakdown(VatCategory Category, decimal RatePercent, decimal Net, decimal Vat)
{
    public decimal Gross => Net + Vat;
}

/// <summary>The money of one invoice under EN 16931: each line's net, the breakdowns, and the totals.</summary>
public sealed record InvoiceVat(
    PriceBasis Basis,
    IReadOnlyList<decimal> LineNets,
    IReadOnlyList<VatBreakdown> Breakdowns)
{
    /// <summary>BT-109, Σ breakdown nets (= Σ line nets).</summary>
    public decimal Net => Breakdowns.Sum(b => b.Net);

    /// <summary>BT-110, Σ breakdown VAT (BR-CO-14).</summary>
    public decimal Vat => Breakdowns.Sum(b => b.Vat);

    /// <summary>BT-112 = BT-115, the amount to pay (<c>totalDePlata</c>); nothing is prepaid or rounded on our invoices.</summary>
    public decimal Gross => Net + Vat;

    /// <summary>
    /// BT-111, the VAT total in RON for an invoice in another currency (BR-RO-030): the VAT total times the RON
    /// rate for one unit of the invoice currency, rounded once with the money rule.
    /// </summary>
    public decimal VatIn(decimal ronPerUnit) => Money.Round(Vat * ronPerUnit);
}

/// <summary>
/// The one home of the EN 16931 VAT arithmetic. Pure: the rates come in on the lines (chosen by the tax point elsewhere).
/// <list type="bullet">
/// <item>Net basis: VAT per breakdown = round(Σ line nets × rate, 2) (BR-CO-17), never a sum of rounded line VAT.</item>
/// <item>Gross basis: the amount to pay equals the client's gross prices exactly. VAT per breakdown =
/// round(Σ gross × rate / (1 + rate), 2), breakdown net = gross − VAT, and the breakdown net is allocated to its
/// lines by largest remainder so that the line nets sum to it (BR-CO-10 on the lines).</item>
/// </list>
/// </summary>
public static class VatComputation
{
    public static InvoiceVat Compute(IReadOnlyList<TaxableLine> lines, PriceBasis basis)
    {
        ArgumentNullException.ThrowIfNull(lines);
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            if (line.Amount != Money.Round(line.Amount))
            {
                throw new ArgumentException($"Line {i} amount {line.Amount} is not rounded to cents.", nameof(lines));
            }
            if (line.RatePercent < 0 || line.RatePercent >= 100)
            {
                throw new ArgumentException($"Line {i} rate {line.RatePercent}% is outside [0, 100).", nameof(lines));
            }
            if (!line.Category.ChargesVat() && line.RatePercent != 0)
            {
                throw new ArgumentException($"Line {i} has category {line.Category.Code()} with a {line.RatePercent}% rate; O and AE carry 0%.", nameof(lines));
            }
        }

        var lineNets = new decimal[lines.Count];
        var breakdowns = new List<VatBreakdown>();
        // Breakdowns in order of first appearance, so the document reads like its lines.
        var groups = Enumerable.Range(0, lines.Count)
            .GroupBy(i => (lines[i].Category, lines[i].RatePercent))
            .ToList();
        foreach (var group in groups)
        {
            var (category, ratePercent) = group.Key;
            var indexes = group.ToArray();
            var rate = ratePercent / 100m;
            var sum = indexes.Sum(i => lines[i].Amount);
            if (basis == PriceBasis.Net)
            {
                foreach (var i in indexes)
                {
                    lineNets[i] = lines[i].Amount;
                }
                breakdowns.Add(new VatBreakdown(category, ratePercent, sum, Money.Round(sum * rate)));
            }
            else
            {
                var vat = Money.Round(sum * rate / (1m + rate));
                var net = sum - vat;
                AllocateNets(lines, indexes, rate, net, lineNets);
                breakdowns.Add(new VatBreakdown(category, ratePercent, net, vat));
            }
        }
        return new InvoiceVat(basis, lineNets, breakdowns);
    }

    /// <summary>
    /// Largest remainder: each line gets its exact net (gross / (1 + rate)) rounded down to a cent, then the cents the
    /// breakdown still lacks go one each to the lines with the largest dropped fractions (ties: the earlier line).
    /// The lacking cents are always between 0 and the number of lines, since the breakdown net is within half a cent
    /// of the exact Σ.
    /// </summary>
    private static void AllocateNets(IReadOnlyList<TaxableLine> lines, int[] indexes, decimal rate, decimal breakdownNet, decimal[] lineNets)
    {
        var remainders = new (int Index, decimal Fraction)[indexes.Length];
        for (var k = 0; k < indexes.Length; k++)
        {
            var i = indexes[k];
            var exactCents = lines[i].Amount * 100m / (1m + rate);
            var floorCents = Math.Floor(exactCents);
            lineNets[i] = floorCents / 100m;
            remainders[k] = (i, exactCents - floorCents);
        }
        var lacking = (int)((breakdownNet - indexes.Sum(i => lineNets[i])) * 100m);
        if (lacking < 0 || lacking > indexes.Length)
        {
            throw new InvalidOperationException($"Net allocation lacks {lacking} cents over {indexes.Length} lines; the breakdown is inconsistent.");
        }
        foreach (var (index, _) in remainders.OrderByDescending(r => r.Fraction).ThenBy(r => r.Index).Take(lacking))
        {
            lineNets[index] += 0.01m;
        }
    }
}
