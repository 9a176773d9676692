using System.CommandLine;
using System.Globalization;
using Billing.Domain.Audit;
using Billing.Domain.Common;
using Billing.Domain.Vat;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing vat-rates list|set</c>: the VAT rates by validity.</summary>
internal static class VatRateCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var list = new Command("list", "List the VAT rates with their validity.");
        list.SetAction((_, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var rates = await services.GetRequiredService<VatRateTable>().ListAsync(ct);
            Output.WriteTable(environment.Out, ["kind", "percent", "from", "to"], rates.Select(r => (IReadOnlyList<string>)
                [TextEnum.ToText(r.Kind, TextCase.Lower), r.Percent.ToString("0.##", CultureInfo.InvariantCulture), r.ValidFrom.ToString("yyyy-MM-dd"),
                    r.ValidTo?.ToString("yyyy-MM-dd") ?? "(open)"]));
            return ExitCodes.Success;
        }));

        var kind = new Option<string>("--kind") { Description = "standard or reduced.", DefaultValueFactory = _ => "standard" };
        var percent = new Option<decimal>("--percent") { Description = "The rate in percent, e.g. 21.", Required = true };
        var from = new Option<DateOnly>("--from") { Description = "First day the rate applies (YYYY-MM-DD).", Required = true };
        var to = new Option<DateOnly?>("--to") { Description = "Last day (default: open-ended)." };
        var set = new Command("set", "Set a rate from a day: the rate in force then ends the day before; the same first day corrects it.")
            { kind, percent, from, to };
        set.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var text = parse.GetValue(kind)!;
            var parsed = TextEnum.TryParse<VatRateKind>(text, out var k) ? k : throw new ArgumentException($"--kind must be standard or reduced, not '{text}'.");
            var rate = await services.GetRequiredService<VatRateTable>().SetAsync(parsed, parse.GetValue(percent), parse.GetValue(from), parse.GetValue(to),
                Actor.CurrentCliUser(), ct);
            environment.Out.WriteLine($"{text} {rate.Percent.ToString("0.##", CultureInfo.InvariantCulture)}% from {rate.ValidFrom:yyyy-MM-dd}" +
                (rate.ValidTo is { } end ? $" to {end:yyyy-MM-dd}." : "."));
            return ExitCodes.Success;
        }));
        return new Command("vat-rates", "VAT rates by validity (invoices keep the rate they were issued with).") { list, set };
    }
}
