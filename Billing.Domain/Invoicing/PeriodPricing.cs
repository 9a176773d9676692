using Billing.Domain.Common;
using Billing.Domain.Usage;

namespace Billing.Domain.Invoicing;

/// <summary>
/// The one pricing rule, in its C# form and its SQL form side by side so they cannot drift (a property test runs both
/// on random calls and terms). A period is priced with the terms in force at its start: each call's duration becomes
/// billable seconds by the period's minute rounding; the period's billable seconds beyond its included minutes, at its
/// rate per minute, are rounded once with <see cref="Money.RoundLine"/>. A call's own price (for previews and
/// <c>UsageLog.cost</c>) is its billable minutes at its period's rate before the allowance, to 6 decimals; the invoice
/// never sums those, it prices the period again from the durations. Late usage of an invoiced period is the period's
/// price over all its calls minus what was already invoiced for it (docs/decisions/0002).
/// </summary>
public static class PeriodPricing
{
    /// <summary>The seconds a call bills under a minute rounding (127.4 s: 180 per minute, 128 per second, 127.4 exact).</summary>
    public static decimal BillableSeconds(decimal durationSeconds, MinuteRounding rounding) => rounding switch
    {
        MinuteRounding.PerMinute => Math.Ceiling(durationSeconds / 60m) * 60m,
        MinuteRounding.PerSecond => Math.Ceiling(durationSeconds),
        MinuteRounding.Exact => Math.Round(durationSeconds, 3, MidpointRounding.AwayFromZero),
        _ => throw new ArgumentOutOfRangeException(nameof(rounding), rounding, null),
    };

    /// <summary>The same over two SQL expressions: the duration in seconds and the rounding's stored text.</summary>
    public static string BillableSecondsSql(string durationSeconds, string rounding) =>
        $"(CASE {rounding} WHEN 'per_minute' THEN ceil({durationSeconds} / 60) * 60 WHEN 'per_second' THEN ceil({durationSeconds}) " +
        $"ELSE round({durationSeconds}, 3) END)";

    /// <summary>A call's price before the allowance, to 6 decimals (the column's scale), multiplying before dividing.</summary>
    public static decimal CallCost(decimal billableSeconds, decimal pricePerMinute) =>
        Math.Round(billableSeconds * pricePerMinute / 60m, 6, MidpointRounding.AwayFromZero);

    public static string CallCostSql(string billableSeconds, string pricePerMinute) => $"round({billableSeconds} * {pricePerMinute} / 60, 6)";

    /// <summary>The price of a period's minutes: billable seconds beyond the included minutes at the rate, rounded once.</summary>
    public static decimal MinutesAmount(decimal billableSeconds, decimal includedMinutes, decimal pricePerMinute) =>
        Money.RoundLine(Math.Max(billableSeconds - includedMinutes * 60, 0) * pricePerMinute / 60);

    /// <summary>
    /// The same over three SQL expressions. One rounding, in PostgreSQL's round(numeric): half away from zero, as
    /// Money.RoundLine. Multiply before dividing: seconds / 60 is a repeating decimal that numeric truncates, which
    /// turns an exact midpoint such as 3602 s x 0.15 / 60 = 9.005 into 9.00499... and rounds it down.
    /// </summary>
    public static string MinutesAmountSql(string billableSeconds, string includedMinutes, string pricePerMinute) =>
        $"round(GREATEST({billableSeconds} - {includedMinutes} * 60, 0) * {pricePerMinute} / 60, 2)";

    /// <summary>
    /// What late calls of an invoiced period add: the period's minutes price over all its calls (those invoiced and the
    /// late ones), with its terms, minus what its invoice and earlier late-usage lines already billed for it. So calls
    /// that still fit in the included minutes cost nothing, and no call is billed at a price its period never had.
    /// Never negative: issued amounts are not taken back here (a correction is a credit note).
    /// </summary>
    public static decimal LateAmount(decimal allBillableSeconds, decimal includedMinutes, decimal pricePerMinute, decimal alreadyInvoiced) =>
        Math.Max(MinutesAmount(allBillableSeconds, includedMinutes, pricePerMinute) - alreadyInvoiced, 0m);

    /// <summary>Billable minutes for reading (invoice and late-usage lines), to 4 decimals.</summary>
    public static decimal Minutes(decimal billableSeconds) => Math.Round(billableSeconds / 60m, 4, MidpointRounding.AwayFromZero);
}
