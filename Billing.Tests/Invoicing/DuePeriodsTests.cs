using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Invoicing;

namespace Billing.Tests.Invoicing;

/// <summary>Which periods are due, their fees and due dates: pure, no database.</summary>
public sealed class DuePeriodsTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromHours(6);

    private static Client Client(int billingDay = 1, DateOnly? start = null, bool prorate = false) => new()
    {
        ClientId = "dr_serban",
        Name = "Cabinet Dr. Șerban",
        MonthlyFee = 800m,
        PricePerMinute = 0.56m,
        BillingDay = billingDay,
        BillingStartDate = start ?? new DateOnly(2025, 11, 1),
        ProrateFirstPeriod = prorate,
        PaymentTermDays = 15,
    };

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_period_is_due_once_its_grace_has_passed_in_the_clients_zone()
    {
        // November ends at 2025-11-30T22:00Z in Bucharest; with 6 h of grace it is due from 04:00Z on December 1st.
        Assert.Empty(DuePeriods.Of(Client(), last: null, At("2025-12-01T03:59:59Z"), Grace));
        var due = Assert.Single(DuePeriods.Of(Client(), last: null, At("2025-12-01T04:00:00Z"), Grace));
        Assert.Equal(("2025-11", 800m, new DateOnly(2025, 12, 16)), (due.Period.Key, due.Fee, due.DueDate));
    }

    [Fact]
    public void After_downtime_every_closed_period_since_the_last_invoice_is_due_oldest_first()
    {
        var last = new LastInvoice("2025-11", new DateOnly(2025, 12, 1), UsageEpoch: 7);
        var due = DuePeriods.Of(Client(), last, At("2026-03-02T12:00:00Z"), Grace).ToList();
        Assert.Equal(["2025-12", "2026-01", "2026-02"], due.Select(d => d.Period.Key));
        Assert.All(due, d => Assert.Equal(7, d.LateAfterEpoch));
        Assert.All(due, d => Assert.Equal(At("2025-12-01T00:00:00+02:00"), d.LateBefore));
    }

    [Fact]
    public void A_first_partial_period_is_prorated_by_days_only_when_the_client_prorates()
    {
        var start = new DateOnly(2025, 11, 16); // 15 of November's 30 days
        Assert.Equal(400m, DuePeriods.FixedFee(Client(start: start, prorate: true), TimeZoneInfo.FindSystemTimeZoneById("Europe/Bucharest"),
            new BillingPeriod(new DateOnly(2025, 11, 1), new DateOnly(2025, 12, 1))));
        Assert.Equal(800m, DuePeriods.FixedFee(Client(start: start), TimeZoneInfo.FindSystemTimeZoneById("Europe/Bucharest"),
            new BillingPeriod(new DateOnly(2025, 11, 1), new DateOnly(2025, 12, 1))));
    }

    [Fact]
    public void An_invoice_written_by_hand_without_period_dates_is_followed_by_the_period_after_its_key()
    {
        var due = DuePeriods.Of(Client(billingDay: 5, start: new DateOnly(2025, 9, 5)), new LastInvoice("2025-10", null, null),
            At("2025-12-06T12:00:00Z"), Grace).ToList();
        Assert.Equal([new DateOnly(2025, 11, 5)], due.Select(d => d.Period.Start));
        Assert.Equal(0, due[0].LateAfterEpoch);
    }

    [Fact]
    public void The_period_price_in_CSharp_honours_the_included_minutes_and_rounds_once()
    {
        Assert.Equal(67.20m, PeriodPricing.MinutesAmount(120 * 60, 0, 0.56m));
        Assert.Equal(0m, PeriodPricing.MinutesAmount(100 * 60, 120, 0.56m));
        Assert.Equal(9.01m, PeriodPricing.MinutesAmount(3602, 0, 0.15m)); // 9.005, half away from zero
    }
}
