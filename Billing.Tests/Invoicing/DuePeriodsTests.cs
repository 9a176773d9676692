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

    /// <summary>The client's terms from its first period, plus any later rows.</summary>
    private static TermsHistory History(Client client, params ClientTerms[] later) =>
        new([Terms(DuePeriods.FirstPeriod(client, new TermsHistory([Terms(new DateOnly(1, 1, 1))])).Start), .. later]);

    private static ClientTerms Terms(DateOnly from, decimal rate = 0.56m, decimal fee = 800m, string zone = "Europe/Bucharest") => new()
    {
        ClientId = "dr_serban",
        EffectiveFrom = from,
        MonthlyFee = fee,
        PricePerMinute = rate,
        TimeZone = zone,
    };

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void A_period_is_due_once_its_grace_has_passed_in_the_clients_zone()
    {
        // November ends at 2025-11-30T22:00Z in Bucharest; with 6 h of grace it is due from 04:00Z on December 1st.
        Assert.Empty(DuePeriods.Of(Client(), History(Client()), last: null, At("2025-12-01T03:59:59Z"), Grace));
        var due = Assert.Single(DuePeriods.Of(Client(), History(Client()), last: null, At("2025-12-01T04:00:00Z"), Grace));
        Assert.Equal(("2025-11", 800m, new DateOnly(2025, 12, 16)), (due.Period.Key, due.Fee, due.DueDate));
    }

    [Fact]
    public void The_due_date_counts_from_the_issue_day_in_bucharest_whatever_the_clients_zone()
    {
        // 2025-12-01T03:00Z is still November 30th in New York but December 1st in Bucharest, the day the invoice is dated.
        var client = Client();
        Assert.Equal(new DateOnly(2025, 12, 16), DuePeriods.DueDate(client, At("2025-12-01T03:00:00Z")));
        // 22:30Z on December 1st is already December 2nd in Bucharest (UTC+2).
        Assert.Equal(new DateOnly(2025, 12, 17), DuePeriods.DueDate(client, At("2025-12-01T22:30:00Z")));
    }

    [Fact]
    public void After_downtime_every_closed_period_since_the_last_invoice_is_due_oldest_first()
    {
        var last = new LastInvoice("2025-11", new DateOnly(2025, 12, 1), UsageEpoch: 7);
        var due = DuePeriods.Of(Client(), History(Client()), last, At("2026-03-02T12:00:00Z"), Grace).ToList();
        Assert.Equal(["2025-12", "2026-01", "2026-02"], due.Select(d => d.Period.Key));
        Assert.All(due, d => Assert.Equal(7, d.LateAfterEpoch));
        Assert.All(due, d => Assert.Equal(At("2025-12-01T00:00:00+02:00"), d.LateBefore));
    }

    [Fact]
    public void A_first_partial_period_is_prorated_by_days_only_when_the_client_prorates()
    {
        var start = new DateOnly(2025, 11, 16); // 15 of November's 30 days
        var november = new BillingPeriod(new DateOnly(2025, 11, 1), new DateOnly(2025, 12, 1));
        var prorating = Client(start: start, prorate: true);
        Assert.Equal(400m, DuePeriods.FixedFee(prorating, History(prorating), Terms(november.Start), november));
        Assert.Equal(800m, DuePeriods.FixedFee(Client(start: start), History(Client(start: start)), Terms(november.Start), november));
    }

    [Fact]
    public void An_invoice_written_by_hand_without_period_dates_is_followed_by_the_period_after_its_key()
    {
        var client = Client(billingDay: 5, start: new DateOnly(2025, 9, 5));
        var due = DuePeriods.Of(client, History(client), new LastInvoice("2025-10", null, null),
            At("2025-12-06T12:00:00Z"), Grace).ToList();
        Assert.Equal([new DateOnly(2025, 11, 5)], due.Select(d => d.Period.Start));
        Assert.Equal(0, due[0].LateAfterEpoch);
    }

    [Fact]
    public void Each_period_is_billed_with_the_terms_in_force_at_its_start()
    {
        // A rate change from January: December keeps 0.56 and its fee, January and February get 2.00 and 900.
        var history = History(Client(), Terms(new DateOnly(2026, 1, 1), rate: 2.00m, fee: 900m));
        var due = DuePeriods.Of(Client(), history, new LastInvoice("2025-11", new DateOnly(2025, 12, 1), 3), At("2026-03-02T12:00:00Z"), Grace)
            .ToList();
        Assert.Equal([("2025-12", 0.56m, 800m), ("2026-01", 2.00m, 900m), ("2026-02", 2.00m, 900m)],
            due.Select(d => (d.Period.Key, d.Terms.PricePerMinute, d.Fee)));
    }

    [Fact]
    public void A_time_zone_change_at_a_period_start_leaves_no_gap_between_the_periods_windows()
    {
        // From December the client counts in Lisbon (UTC+0 in winter): November ends where December starts, at 00:00Z.
        var history = History(Client(), Terms(new DateOnly(2025, 12, 1), zone: "Europe/Lisbon"));
        var due = DuePeriods.Of(Client(), history, last: null, At("2026-01-02T12:00:00Z"), Grace).ToList();
        Assert.Equal([("2025-11", At("2025-10-31T22:00:00Z"), At("2025-12-01T00:00:00Z")), ("2025-12", At("2025-12-01T00:00:00Z"), At("2026-01-01T00:00:00Z"))],
            due.Select(d => (d.Period.Key, d.UsageFrom, d.UsageTo)));
    }

    [Fact]
    public void The_period_price_in_CSharp_honours_the_included_minutes_and_rounds_once()
    {
        Assert.Equal(67.20m, PeriodPricing.MinutesAmount(120 * 60, 0, 0.56m));
        Assert.Equal(0m, PeriodPricing.MinutesAmount(100 * 60, 120, 0.56m));
        Assert.Equal(9.01m, PeriodPricing.MinutesAmount(3602, 0, 0.15m)); // 9.005, half away from zero
    }
}
