using Billing.Domain.Common;

namespace Billing.Domain.Invoicing;

/// <summary>
/// The price of a period's minutes, in its C# form and its SQL form (the invoicing statement), side by side so they
/// cannot drift: the billable seconds beyond the included minutes, at the rate per minute, rounded once with
/// <see cref="Money.RoundLine"/>. A call's own price (before the allowance) is <see cref="Usage.CallPricing"/>.
/// </summary>
public static class PeriodPricing
{
    public static decimal MinutesAmount(decimal billableSeconds, decimal includedMinutes, decimal pricePerMinute) =>
        Money.RoundLine(Math.Max(billableSeconds - includedMinutes * 60, 0) * pricePerMinute / 60);

    /// <summary>
    /// The same over three SQL expressions. One rounding, in PostgreSQL's round(numeric): half away from zero, as
    /// Money.RoundLine. Multiply before dividing: seconds / 60 is a repeating decimal that numeric truncates, which
    /// turns an exact midpoint such as 3602 s x 0.15 / 60 = 9.005 into 9.00499... and rounds it down.
    /// </summary>
    public static string MinutesAmountSql(string billableSeconds, string includedMinutes, string pricePerMinute) =>
        $"round(GREATEST({billableSeconds} - {includedMinutes} * 60, 0) * {pricePerMinute} / 60, 2)";
}
