using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Invoicing;

namespace Billing.Tests.Reliability;

/// <summary>
/// The clock property: 10 years × billing days 1-28 × four zones with DST at odd hours (Santiago's at midnight,
/// Auckland's southern one) — every period the cycle would invoice (<see cref="DuePeriods.Of"/>, the same code)
/// starts where the previous one ended, to the instant, with no gap or overlap across DST changes, leap days and year
/// ends; each starts at local midnight of its billing day and contains exactly the instants that map back to it.
/// </summary>
[Collection(ReliabilityCollection.Name)]
[Trait("Category", "Reliability")]
public sealed class ClockPropertyTests
{
    public static TheoryData<string> Zones => new() { "Europe/Bucharest", "America/New_York", "America/Santiago", "Pacific/Auckland" };

    [Theory]
    [MemberData(nameof(Zones))]
    public void Periods_never_overlap_or_leave_a_gap_for_ten_years_on_every_billing_day(string zoneId)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var asOf = new DateTimeOffset(2036, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var periods = 0;
        for (var day = 1; day <= 28; day++)
        {
            var client = new Client
            {
                ClientId = $"clock_{day}",
                Name = "Clock",
                BillingDay = day,
                TimeZone = zoneId,
                BillingStartDate = new DateOnly(2026, 1, day),
            };
            var history = new TermsHistory([new ClientTerms { ClientId = client.ClientId, EffectiveFrom = new DateOnly(2026, 1, day), TimeZone = zoneId }]);
            var due = DuePeriods.Of(client, history, null, asOf, TimeSpan.Zero).ToList();

            Assert.InRange(due.Count, 119, 120); // 2026-01-day .. 2035-12-day, the last one closed before asOf or not
            for (var n = 0; n < due.Count; n++)
            {
                var (period, from, to) = (due[n].Period, due[n].UsageFrom, due[n].UsageTo);
                Assert.Equal(day, period.Start.Day);
                Assert.Equal(period.Start.AddMonths(1), period.End);
                Assert.Equal(BillingPeriod.LocalMidnight(period.Start, zone), from);
                Assert.True(to - from >= TimeSpan.FromDays(28) - TimeSpan.FromHours(1) && to - from <= TimeSpan.FromDays(31) + TimeSpan.FromHours(1),
                    $"{zoneId} {period.Key}: {to - from}");
                // The local date of the first and the last instant belong to the period: none is counted twice or left out.
                Assert.Equal(period, BillingPeriod.Containing(from, day, zone));
                Assert.Equal(period, BillingPeriod.Containing(to.AddTicks(-10), day, zone));
                if (n > 0)
                {
                    Assert.Equal(due[n - 1].Period.End, period.Start);
                    Assert.Equal(due[n - 1].UsageTo, from);
                }
            }
            periods += due.Count;
        }
        ReliabilityReport.Add($"clock: periods checked ({zoneId})", periods);
    }
}
