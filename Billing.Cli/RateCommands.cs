using System.CommandLine;
using System.Globalization;
using Billing.Domain.Reports;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing rates set|load|list</c>: the reference exchange rates the margin report converts Vapi's USD costs with.</summary>
internal static class RateCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var date = new Option<DateOnly>("--date") { Description = "The day the rate applies to (YYYY-MM-DD).", Required = true };
        var currency = new Option<string>("--currency") { Description = "The currency priced, e.g. USD.", DefaultValueFactory = _ => "USD" };
        var quote = new Option<string>("--quote") { Description = "The currency it is priced in, e.g. RON.", DefaultValueFactory = _ => "RON" };
        var rate = new Option<decimal>("--rate") { Description = "Units of --quote for one unit of --currency.", Required = true };
        var set = new Command("set", "Set one day's rate by hand.") { date, currency, quote, rate };
        set.SetAction(async (parse, ct) =>
        {
            await using var services = await CliServices.BuildAsync(environment, ct);
            await using var scope = services.CreateAsyncScope();
            var stored = await scope.ServiceProvider.GetRequiredService<ExchangeRates>().SetAsync(parse.GetValue(date), parse.GetValue(currency)!,
                parse.GetValue(quote)!, parse.GetValue(rate), "manual:cli", ct);
            environment.Out.WriteLine($"{stored.Date:yyyy-MM-dd} 1 {stored.Currency} = {stored.Rate.ToString(CultureInfo.InvariantCulture)} {stored.QuoteCurrency}");
            return ExitCodes.Success;
        });

        var load = new Command("load", "Load today's reference rates from the National Bank of Romania (needs access to www.bnr.ro).");
        load.SetAction(async (_, ct) =>
        {
            await using var services = await CliServices.BuildAsync(environment, ct);
            await using var scope = services.CreateAsyncScope();
            try
            {
                var loaded = await scope.ServiceProvider.GetRequiredService<ExchangeRates>().LoadNbrAsync(ct);
                environment.Out.WriteLine($"Loaded {loaded.Count} NBR rates for {string.Join(", ", loaded.Select(r => r.Date).Distinct().Select(d => d.ToString("yyyy-MM-dd")))}.");
                return ExitCodes.Success;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or System.Xml.XmlException or FormatException)
            {
                throw new CliException($"The NBR feed could not be read ({e.Message}); nothing was stored. Use 'billing rates set' instead.");
            }
        });

        var from = new Option<DateOnly?>("--from") { Description = "First day (default: 31 days ago)." };
        var to = new Option<DateOnly?>("--to") { Description = "Last day (default: today)." };
        var list = new Command("list", "List rates.") { from, to };
        list.SetAction(async (parse, ct) =>
        {
            var today = DateOnly.FromDateTime((environment.Clock ?? TimeProvider.System).GetUtcNow().UtcDateTime);
            await using var services = await CliServices.BuildAsync(environment, ct);
            await using var scope = services.CreateAsyncScope();
            var rates = await scope.ServiceProvider.GetRequiredService<ExchangeRates>()
                .ListAsync(parse.GetValue(from) ?? today.AddDays(-31), parse.GetValue(to) ?? today, ct);
            Output.WriteTable(environment.Out, ["date", "currency", "quote", "rate", "source"], rates.Select(r => (IReadOnlyList<string>)
                [r.Date.ToString("yyyy-MM-dd"), r.Currency, r.QuoteCurrency, r.Rate.ToString(CultureInfo.InvariantCulture), r.Source]));
            return ExitCodes.Success;
        });

        return new Command("rates", "Reference exchange rates for the margin report.") { set, load, list };
    }
}
