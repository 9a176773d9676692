using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Billing.Domain.Usage;
using Billing.Tests.Infrastructure;
using Npgsql;

namespace Billing.Tests.Invoicing;

/// <summary>The pricing rule's C# form and its SQL form (the one the invoicing and recording statements run) agree.</summary>
public sealed class PeriodPricingTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task Both_forms_of_the_period_price_agree_on_random_usage_and_terms()
    {
        var random = new Random(20251130);
        var cases = Enumerable.Range(0, 5_000).Select(_ => (
            // Seconds as recorded (whole, or to the millisecond for exact rounding); rates of up to 4 decimals; included
            // minutes sometimes above the usage; midpoints such as 3602 s x 0.15 occur among them.
            Seconds: random.Next(3) == 0 ? random.Next(0, 400_000_000) / 1000m : random.Next(0, 400_000),
            Included: random.Next(2) == 0 ? 0m : random.Next(0, 3_000) / 2m,
            Rate: random.Next(0, 50_000) / 10_000m)).Append((Seconds: 3602m, Included: 0m, Rate: 0.15m)).ToList();

        await using var connection = await database.OpenConnectionAsync();
        await using var command = new NpgsqlCommand(
            $"SELECT {PeriodPricing.MinutesAmountSql("s", "i", "r")} FROM unnest(@s::numeric[], @i::numeric[], @r::numeric[]) WITH ORDINALITY AS t(s, i, r, n) ORDER BY n",
            connection);
        command.Parameters.Add(new NpgsqlParameter<decimal[]>("s", cases.Select(c => c.Seconds).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<decimal[]>("i", cases.Select(c => c.Included).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<decimal[]>("r", cases.Select(c => c.Rate).ToArray()));
        var inSql = new List<decimal>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                inSql.Add(reader.GetDecimal(0));
            }
        }

        var disagreements = cases.Zip(inSql).Where(p => PeriodPricing.MinutesAmount(p.First.Seconds, p.First.Included, p.First.Rate) != p.Second)
            .Select(p => $"{p.First} -> C# {PeriodPricing.MinutesAmount(p.First.Seconds, p.First.Included, p.First.Rate)}, SQL {p.Second}").ToList();
        Assert.Equal(cases.Count, inSql.Count);
        Assert.Empty(disagreements);
        Assert.Equal(9.01m, inSql[^1]);
    }

    [Fact]
    public async Task Both_forms_of_a_calls_billable_seconds_and_price_agree_on_random_durations_roundings_and_rates()
    {
        var random = new Random(20251201);
        var roundings = Enum.GetValues<MinuteRounding>();
        var cases = Enumerable.Range(0, 5_000).Select(_ => (
            // Durations as Vapi measures them (to the millisecond, sometimes whole seconds or whole minutes), rates of up to 4 decimals.
            Duration: random.Next(4) switch { 0 => random.Next(0, 200) * 60m, 1 => random.Next(0, 20_000), _ => random.Next(0, 20_000_000) / 1000m },
            Rounding: roundings[random.Next(roundings.Length)],
            Rate: random.Next(0, 50_000) / 10_000m)).ToList();

        await using var connection = await database.OpenConnectionAsync();
        var seconds = PeriodPricing.BillableSecondsSql("d", "r");
        await using var command = new NpgsqlCommand(
            $"SELECT {seconds}, {PeriodPricing.CallCostSql(seconds, "p")} FROM unnest(@d::numeric[], @r::text[], @p::numeric[]) WITH ORDINALITY AS t(d, r, p, n) ORDER BY n",
            connection);
        command.Parameters.Add(new NpgsqlParameter<decimal[]>("d", cases.Select(c => c.Duration).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string[]>("r", cases.Select(c => TextEnum.ToText(c.Rounding, TextCase.Lower)).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<decimal[]>("p", cases.Select(c => c.Rate).ToArray()));
        var inSql = new List<(decimal Seconds, decimal Cost)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                inSql.Add((reader.GetDecimal(0), reader.GetDecimal(1)));
            }
        }

        var disagreements = cases.Zip(inSql).Select(p =>
            {
                var billable = PeriodPricing.BillableSeconds(p.First.Duration, p.First.Rounding);
                return (Case: p.First, CSharp: (billable, PeriodPricing.CallCost(billable, p.First.Rate)), Sql: p.Second);
            })
            .Where(x => x.CSharp != x.Sql).Select(x => $"{x.Case} -> C# {x.CSharp}, SQL {x.Sql}").ToList();
        Assert.Equal(cases.Count, inSql.Count);
        Assert.Empty(disagreements);
    }
}
