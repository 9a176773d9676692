using Billing.Domain.Common;
using Billing.Domain.Vat;

namespace Billing.Tests.Domain;

public sealed class VatComputationTests
{
    // dr_serban, November 2025 (seed): 120 minutes at 0.56 = 67.20 plus the 800.00 subscription.
    private static readonly decimal[] DrSerbanNovember = [67.20m, 800.00m];

    private static readonly VatRate[] Rates =
    [
        new(VatRateKind.Standard, 19m, new DateOnly(2017, 1, 1), new DateOnly(2025, 7, 31)),
        new(VatRateKind.Standard, 21m, new DateOnly(2025, 8, 1), null),
        new(VatRateKind.Reduced, 11m, new DateOnly(2025, 8, 1), null),
    ];

    private static TaxableLine[] Standard(decimal ratePercent, params decimal[] amounts) =>
        amounts.Select(a => new TaxableLine(a, VatCategory.Standard, ratePercent)).ToArray();

    [Fact]
    public void Dr_serban_november_at_net_prices_pays_182_11_vat_on_867_20()
    {
        var vat = VatComputation.Compute(Standard(21m, DrSerbanNovember), PriceBasis.Net);

        var breakdown = Assert.Single(vat.Breakdowns);
        Assert.Equal(new VatBreakdown(VatCategory.Standard, 21m, 867.20m, 182.11m), breakdown);
        Assert.Equal([67.20m, 800.00m], vat.LineNets);
        Assert.Equal(867.20m, vat.Net);
        Assert.Equal(182.11m, vat.Vat);
        Assert.Equal(1049.31m, vat.Gross);
    }

    [Fact]
    public void Dr_serban_november_at_gross_prices_pays_exactly_867_20()
    {
        var vat = VatComputation.Compute(Standard(21m, DrSerbanNovember), PriceBasis.Gross);

        Assert.Equal(150.51m, vat.Vat);
        Assert.Equal(716.69m, vat.Net);
        Assert.Equal(867.20m, vat.Gross);
        // 67.20 / 1.21 = 55.537…, 800 / 1.21 = 661.157…: floors 55.53 + 661.15 lack a cent, the larger fraction takes it.
        Assert.Equal([55.54m, 661.15m], vat.LineNets);
    }

    [Fact]
    public void Vat_is_rounded_per_breakdown_not_summed_from_rounded_lines()
    {
        // Three lines of 0.05 at 21%: each line's VAT 0.0105 would round to 0.01 (0.03 in all); the breakdown's is 0.03 too,
        // but ten lines of 0.05 show the difference: 10 × 0.01 = 0.10 against round(0.50 × 0.21) = 0.11.
        var vat = VatComputation.Compute(Standard(21m, Enumerable.Repeat(0.05m, 10).ToArray()), PriceBasis.Net);
        Assert.Equal(0.11m, vat.Vat);
    }

    [Fact]
    public void A_late_july_line_on_an_august_invoice_has_its_own_19_percent_breakdown_beside_the_21_percent_lines()
    {
        var july = new BillingPeriod(new DateOnly(2025, 7, 1), new DateOnly(2025, 8, 1));
        var august = new BillingPeriod(new DateOnly(2025, 8, 1), new DateOnly(2025, 9, 1));
        var issued = new DateOnly(2025, 9, 1);
        decimal RateOf(BillingPeriod p) =>
            VatRates.InForce(Rates, VatRateKind.Standard, TaxPoint.Of(TaxPointRule.ServicePeriodEnd, p, issued)).Percent;

        TaxableLine[] lines =
        [
            new(800.00m, VatCategory.Standard, RateOf(august)),
            new(12.34m, VatCategory.Standard, RateOf(july)),
            new(67.20m, VatCategory.Standard, RateOf(august)),
        ];
        var vat = VatComputation.Compute(lines, PriceBasis.Net);

        Assert.Equal(
            [
                new VatBreakdown(VatCategory.Standard, 21m, 867.20m, 182.11m),
                new VatBreakdown(VatCategory.Standard, 19m, 12.34m, 2.34m),
            ],
            vat.Breakdowns);
        Assert.Equal(879.54m, vat.Net);
        Assert.Equal(184.45m, vat.Vat);
        Assert.Equal(1063.99m, vat.Gross);
    }

    [Theory]
    [InlineData(TaxPointRule.ServicePeriodEnd, 19)]
    [InlineData(TaxPointRule.IssueDate, 21)]
    public void A_july_period_invoiced_in_august_takes_the_rate_of_its_tax_point(TaxPointRule rule, int expectedPercent)
    {
        var july = new BillingPeriod(new DateOnly(2025, 7, 1), new DateOnly(2025, 8, 1));
        var taxPoint = TaxPoint.Of(rule, july, issueDate: new DateOnly(2025, 8, 1));
        Assert.Equal(expectedPercent, VatRates.InForce(Rates, VatRateKind.Standard, taxPoint).Percent);
    }

    [Fact]
    public void The_reduced_rate_starts_on_2025_08_01_and_no_rate_is_a_refusal_not_a_guess()
    {
        Assert.Equal(11m, VatRates.InForce(Rates, VatRateKind.Reduced, new DateOnly(2025, 8, 1)).Percent);
        Assert.Throws<InvalidOperationException>(() => VatRates.InForce(Rates, VatRateKind.Reduced, new DateOnly(2025, 7, 31)));
        VatRate[] overlapping = [.. Rates, new(VatRateKind.Standard, 22m, new DateOnly(2026, 1, 1), null)];
        Assert.Throws<InvalidOperationException>(() => VatRates.InForce(overlapping, VatRateKind.Standard, new DateOnly(2026, 1, 1)));
    }

    [Theory]
    [InlineData(PriceBasis.Net)]
    [InlineData(PriceBasis.Gross)]
    public void An_issuer_not_registered_for_vat_charges_none_under_category_o(PriceBasis basis)
    {
        TaxableLine[] lines = [new(67.20m, VatCategory.NotSubject, 0m), new(800.00m, VatCategory.NotSubject, 0m)];
        var vat = VatComputation.Compute(lines, basis);

        var breakdown = Assert.Single(vat.Breakdowns);
        Assert.Equal("O", breakdown.Category.Code());
        Assert.Equal(0m, vat.Vat);
        Assert.Equal(867.20m, vat.Net);
        Assert.Equal(867.20m, vat.Gross);
        Assert.Equal([67.20m, 800.00m], vat.LineNets);
    }

    [Fact]
    public void A_mixed_invoice_has_one_breakdown_per_category_and_rate()
    {
        TaxableLine[] lines =
        [
            new(100.00m, VatCategory.Standard, 21m),
            new(50.00m, VatCategory.Standard, 11m),
            new(30.00m, VatCategory.ReverseCharge, 0m),
            new(0.99m, VatCategory.Standard, 21m),
        ];
        var vat = VatComputation.Compute(lines, PriceBasis.Gross);

        Assert.Equal(
            [
                new VatBreakdown(VatCategory.Standard, 21m, 83.46m, 17.53m), // 100.99 × 21 / 121 = 17.527…
                new VatBreakdown(VatCategory.Standard, 11m, 45.05m, 4.95m), // 50 × 11 / 111 = 4.954…
                new VatBreakdown(VatCategory.ReverseCharge, 0m, 30.00m, 0m),
            ],
            vat.Breakdowns);
        Assert.Equal(180.99m, vat.Gross);
    }

    [Fact]
    public void Amounts_not_in_cents_and_vat_on_o_or_ae_are_refused()
    {
        Assert.Throws<ArgumentException>(() => VatComputation.Compute([new TaxableLine(1.005m, VatCategory.Standard, 21m)], PriceBasis.Net));
        Assert.Throws<ArgumentException>(() => VatComputation.Compute([new TaxableLine(1m, VatCategory.ReverseCharge, 21m)], PriceBasis.Net));
    }

    [Fact]
    public void A_non_ron_invoice_states_its_vat_in_ron_rounded_once()
    {
        var vat = VatComputation.Compute(Standard(21m, 100.00m), PriceBasis.Net); // 21.00 EUR
        Assert.Equal(106.97m, vat.VatIn(5.0938m)); // 21 × 5.0938 = 106.9698
    }

    [Theory]
    [InlineData(PriceBasis.Net)]
    [InlineData(PriceBasis.Gross)]
    public void For_random_invoices_breakdown_nets_sum_to_line_nets_and_net_plus_vat_is_gross(PriceBasis basis)
    {
        decimal[] percents = [0m, 5m, 9m, 11m, 19m, 21m];
        for (var seed = 0; seed < 2000; seed++)
        {
            var random = new Random(seed);
            var lines = Enumerable.Range(0, random.Next(1, 12)).Select(_ =>
            {
                var percent = percents[random.Next(percents.Length)];
                var category = percent == 0m ? (random.Next(2) == 0 ? VatCategory.NotSubject : VatCategory.ReverseCharge) : VatCategory.Standard;
                // Mostly small prices, sometimes large ones and credits.
                var cents = random.Next(10) switch { 0 => random.NextInt64(-50_000, 0), 1 => random.NextInt64(0, 10_000_000_000), _ => random.Next(0, 200_000) };
                return new TaxableLine(cents / 100m, category, percent);
            }).ToArray();

            var vat = VatComputation.Compute(lines, basis);

            Assert.Equal(vat.LineNets.Sum(), vat.Breakdowns.Sum(b => b.Net));
            Assert.Equal(vat.Gross, vat.Net + vat.Vat);
            Assert.All(vat.LineNets, n => Assert.Equal(Money.Round(n), n));
            foreach (var b in vat.Breakdowns)
            {
                var inBreakdown = lines.Where(l => l.Category == b.Category && l.RatePercent == b.RatePercent).Sum(l => l.Amount);
                if (basis == PriceBasis.Gross)
                {
                    Assert.Equal(inBreakdown, b.Gross); // the amount to pay is the gross prices, to the cent
                    Assert.Equal(Money.Round(inBreakdown * b.RatePercent / (100m + b.RatePercent)), b.Vat);
                }
                else
                {
                    Assert.Equal(inBreakdown, b.Net);
                    Assert.Equal(Money.Round(inBreakdown * b.RatePercent / 100m), b.Vat);
                }
            }
            if (basis == PriceBasis.Gross)
            {
                // Every line net is within a cent of its exact share.
                for (var i = 0; i < lines.Length; i++)
                {
                    var exact = lines[i].Amount / (1m + lines[i].RatePercent / 100m);
                    Assert.InRange(vat.LineNets[i] - exact, -0.01m, 0.01m);
                }
            }
        }
    }
}
