using Billing.Domain.Common;

namespace Billing.Tests.Domain;

public sealed class BillingPeriodTests
{
    private static readonly TimeZoneInfo Bucharest = TimeZoneInfo.FindSystemTimeZoneById("Europe/Bucharest");

    [Theory]
    [InlineData("2025-11-14", 1, "2025-11-01", "2025-12-01", "2025-11")]
    [InlineData("2025-11-30", 1, "2025-11-01", "2025-12-01", "2025-11")]
    [InlineData("2025-02-27", 28, "2025-01-28", "2025-02-28", "2025-01")]
    [InlineData("2025-02-28", 28, "2025-02-28", "2025-03-28", "2025-02")]
    [InlineData("2026-01-14", 15, "2025-12-15", "2026-01-15", "2025-12")]
    [InlineData("2025-12-31", 1, "2025-12-01", "2026-01-01", "2025-12")]
    public void A_day_belongs_to_the_period_that_starts_on_the_last_billing_day(string day, int billingDay, string start, string end, string key)
    {
        var period = BillingPeriod.Containing(DateOnly.Parse(day), billingDay);
        Assert.Equal(DateOnly.Parse(start), period.Start);
        Assert.Equal(DateOnly.Parse(end), period.End);
        Assert.Equal(key, period.Key);
    }

    [Theory]
    // Summer time ends on Sunday 26 October 2025: November starts at 22:00Z (UTC+2), October started at 21:00Z (UTC+3).
    [InlineData("2025-10-31T21:59:59Z", "2025-10")]
    [InlineData("2025-10-31T22:00:00Z", "2025-11")]
    [InlineData("2025-09-30T20:59:59Z", "2025-09")]
    [InlineData("2025-09-30T21:00:00Z", "2025-10")]
    // Summer time starts on Sunday 30 March 2025: April starts at 21:00Z.
    [InlineData("2025-03-31T20:59:59Z", "2025-03")]
    [InlineData("2025-03-31T21:00:00Z", "2025-04")]
    // 23:59:59 local on the last day of the year, and the first second of the next.
    [InlineData("2025-12-31T21:59:59Z", "2025-12")]
    [InlineData("2025-12-31T22:00:00Z", "2026-01")]
    public void A_call_belongs_to_the_period_of_its_start_in_the_clients_zone(string instant, string key) =>
        Assert.Equal(key, BillingPeriod.Containing(DateTimeOffset.Parse(instant), 1, Bucharest).Key);

    [Fact]
    public void Periods_across_a_dst_change_are_an_hour_shorter_or_longer_but_start_at_local_midnight()
    {
        var october = BillingPeriod.Containing(new DateOnly(2025, 10, 10), 1);
        Assert.Equal(DateTimeOffset.Parse("2025-09-30T21:00:00Z"), october.StartsAt(Bucharest));
        Assert.Equal(DateTimeOffset.Parse("2025-10-31T22:00:00Z"), october.EndsAt(Bucharest));
        Assert.Equal(TimeSpan.FromHours(31 * 24 + 1), october.EndsAt(Bucharest) - october.StartsAt(Bucharest));
    }

    [Fact]
    public void Where_midnight_does_not_exist_the_day_starts_at_the_first_local_time()
    {
        // Chile skips 00:00-01:00 when summer time starts (7 September 2025).
        var santiago = TimeZoneInfo.FindSystemTimeZoneById("America/Santiago");
        Assert.Equal(DateTimeOffset.Parse("2025-09-07T04:00:00Z"), BillingPeriod.LocalMidnight(new DateOnly(2025, 9, 7), santiago));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(29)]
    public void Billing_days_outside_1_to_28_are_refused(int billingDay) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => BillingPeriod.Containing(new DateOnly(2025, 1, 1), billingDay));

    [Theory]
    [InlineData(67.205, 67.21)]
    [InlineData(0.125, 0.13)]
    [InlineData(0.135, 0.14)]
    [InlineData(67.2, 67.20)]
    public void Money_rounds_half_away_from_zero_once(double amount, double rounded) =>
        Assert.Equal((decimal)rounded, Money.RoundLine((decimal)amount));
}
