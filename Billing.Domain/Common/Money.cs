namespace Billing.Domain.Common;

/// <summary>
/// The one rounding rule for money: every invoice line is rounded once, to 2 decimals, half away from zero
/// (67.205 becomes 67.21), the way Romanian invoices and accountants expect. Totals are sums of rounded lines;
/// VAT is rounded once per VAT breakdown with the same rule (BR-CO-17, see <see cref="Vat.VatComputation"/>).
/// </summary>
public static class Money
{
    public const int Decimals = 2;
    public const MidpointRounding Rounding = MidpointRounding.AwayFromZero;

    public static decimal Round(decimal amount) => Math.Round(amount, Decimals, Rounding);

    public static decimal RoundLine(decimal amount) => Round(amount);

    /// <summary>An amount for people to read in a message: <c>1000.00 RON</c>.</summary>
    public static string Text(decimal amount, string currency) =>
        $"{Round(amount).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture)} {currency}";
}
