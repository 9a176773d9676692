using System.Globalization;

namespace Billing.Domain.Common;

/// <summary>
/// A client's billing period: local calendar days [Start, End), starting on the client's billing day (1–28) at
/// local midnight in its IANA time zone and ending one month later. Its key (<c>"perioada"</c>) is the
/// <c>YYYY-MM</c> of its first day. A call belongs to the period containing its start instant.
/// </summary>
public readonly record struct BillingPeriod(DateOnly Start, DateOnly End)
{
    public string Key => Start.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    public BillingPeriod Next => new(End, End.AddMonths(1));

    public int Days => End.DayNumber - Start.DayNumber;

    public static BillingPeriod Containing(DateOnly localDate, int billingDay)
    {
        if (billingDay is < 1 or > 28)
        {
            throw new ArgumentOutOfRangeException(nameof(billingDay), billingDay, "The billing day is between 1 and 28.");
        }
        var start = new DateOnly(localDate.Year, localDate.Month, billingDay);
        if (localDate < start)
        {
            start = start.AddMonths(-1);
        }
        return new BillingPeriod(start, start.AddMonths(1));
    }

    public static BillingPeriod Containing(DateTimeOffset instant, int billingDay, TimeZoneInfo zone) =>
        Containing(LocalDate(instant, zone), billingDay);

    public DateTimeOffset StartsAt(TimeZoneInfo zone) => LocalMidnight(Start, zone);

    public DateTimeOffset EndsAt(TimeZoneInfo zone) => LocalMidnight(End, zone);

    public static DateOnly LocalDate(DateTimeOffset instant, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, zone).DateTime);

    /// <summary>
    /// The instant a local day begins. Where a DST change skips midnight (e.g. some zones jump 00:00→01:00), the day
    /// begins at the first local time that exists; where midnight repeats, at its first occurrence.
    /// </summary>
    public static DateTimeOffset LocalMidnight(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(1);
        }
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
