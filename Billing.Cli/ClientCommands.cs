using System.CommandLine;
using System.Globalization;
using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing clients add|list|set</c>.</summary>
internal static class ClientCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var id = new Option<string>("--id") { Description = "The client's key, e.g. dr_serban.", Required = true };
        var name = new Option<string>("--name") { Description = "The client's name.", Required = true };
        var fee = new Option<decimal>("--fee") { Description = "Monthly fixed fee (taxaLunara).", Required = true };
        var rate = new Option<decimal>("--rate") { Description = "Price per minute (costPerMinut).", Required = true };
        var billingDay = new Option<int>("--billing-day") { Description = "Day of the month periods start (1-28).", DefaultValueFactory = _ => 1 };
        var timeZone = new Option<string>("--time-zone") { Description = "IANA time zone.", DefaultValueFactory = _ => Client.DefaultTimeZone };
        var currency = new Option<string>("--currency") { Description = "ISO 4217 code.", DefaultValueFactory = _ => Client.DefaultCurrency };
        var start = new Option<DateOnly?>("--billing-start") { Description = "First billed day (default: today in the client's zone)." };
        var assistants = new Option<string[]>("--assistant") { Description = "Vapi assistant id(s) of the client.", AllowMultipleArgumentsPerToken = true };

        var add = new Command("add", "Add a client.") { id, name, fee, rate, billingDay, timeZone, currency, start, assistants };
        var addBuyer = new BuyerOptions();
        addBuyer.AddTo(add);
        add.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var clientId = parse.GetValue(id)!;
            var client = new Client
            {
                ClientId = clientId,
                Name = parse.GetValue(name)!,
                MonthlyFee = parse.GetValue(fee),
                PricePerMinute = parse.GetValue(rate),
                BillingDay = parse.GetValue(billingDay),
                TimeZone = parse.GetValue(timeZone)!,
                Currency = parse.GetValue(currency)!.ToUpperInvariant(),
                BillingStartDate = parse.GetValue(start),
                Assistants = (parse.GetValue(assistants) ?? []).Select(a => new ClientAssistant { VapiId = a, ClientId = clientId }).ToList(),
                PriceBasis = addBuyer.PriceBasis(parse) ?? default,
                Buyer = addBuyer.Read(parse, null),
            };
            if (!await services.GetRequiredService<ClientService>().AddAsync(client, ct))
            {
                throw new CliException($"Client '{clientId}' exists already: change it with 'billing clients set {clientId} ...'.");
            }
            environment.Out.WriteLine($"Added client {clientId}.{BuyerNote(client)}");
            return ExitCodes.Success;
        }));

        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var list = new Command("list", "List clients.") { json };
        list.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var clients = await services.GetRequiredService<ClientService>().ListAsync(ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, clients.Select(c => new
                {
                    c.ClientId,
                    c.Name,
                    c.MonthlyFee,
                    c.PricePerMinute,
                    c.Currency,
                    c.BillingDay,
                    c.TimeZone,
                    c.Active,
                    c.IncludedMinutes,
                    c.PaymentTermDays,
                    Assistants = c.Assistants.Select(a => a.VapiId),
                }));
                return ExitCodes.Success;
            }
            Output.WriteTable(environment.Out, ["client", "name", "fee", "per min", "cur", "day", "zone", "active", "assistants"],
                clients.Select(c => (IReadOnlyList<string>)[c.ClientId, c.Name, c.MonthlyFee.ToString("0.00", CultureInfo.InvariantCulture),
                    c.PricePerMinute.ToString("0.00##", CultureInfo.InvariantCulture), c.Currency, c.BillingDay.ToString(CultureInfo.InvariantCulture),
                    c.TimeZone, c.Active ? "yes" : "no", string.Join(",", c.Assistants.Select(a => a.VapiId))]));
            return ExitCodes.Success;
        }));

        var target = new Argument<string>("clientId") { Description = "The client to change." };
        var newName = new Option<string?>("--name");
        var newFee = new Option<decimal?>("--fee");
        var newRate = new Option<decimal?>("--rate");
        var newDay = new Option<int?>("--billing-day");
        var newZone = new Option<string?>("--time-zone");
        var active = new Option<bool?>("--active") { Description = "true or false." };
        var included = new Option<decimal?>("--included-minutes");
        var term = new Option<int?>("--payment-term-days");
        var rounding = new Option<string?>("--minute-rounding") { Description = "per_minute, per_second or exact." };
        var addAssistant = new Option<string[]>("--assistant-add") { AllowMultipleArgumentsPerToken = true };
        var removeAssistant = new Option<string[]>("--assistant-remove") { AllowMultipleArgumentsPerToken = true };
        var set = new Command("set", "Change a client.")
            { target, newName, newFee, newRate, newDay, newZone, active, included, term, rounding, addAssistant, removeAssistant };
        var setBuyer = new BuyerOptions();
        setBuyer.AddTo(set);
        set.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            MinuteRounding? minuteRounding = parse.GetValue(rounding) is { } r
                ? TextEnum.TryParse<MinuteRounding>(r, out var parsed) ? parsed : throw new ArgumentException($"--minute-rounding must be per_minute, per_second or exact, not '{r}'.")
                : null;
            var clients = services.GetRequiredService<ClientService>();
            var current = await clients.FindAsync(parse.GetValue(target)!, ct);
            var client = await clients.ChangeAsync(parse.GetValue(target)!, new ClientService.ClientChanges(
                parse.GetValue(newName), parse.GetValue(newFee), parse.GetValue(newRate), parse.GetValue(newDay), parse.GetValue(newZone),
                parse.GetValue(active), parse.GetValue(included), parse.GetValue(term), minuteRounding, null,
                parse.GetValue(addAssistant), parse.GetValue(removeAssistant), setBuyer.Read(parse, current?.Buyer.Address), setBuyer.PriceBasis(parse)), ct);
            environment.Out.WriteLine($"Changed client {client.ClientId}.{BuyerNote(client)}");
            return ExitCodes.Success;
        }));
        return new Command("clients", "Client businesses and their Vapi assistants.") { add, list, set };
    }

    private static string BuyerNote(Client client) => client.Buyer.Missing() is { Count: > 0 } missing
        ? $" Its invoices are not exportable to e-Factura until it has: {string.Join(", ", missing)}."
        : "";
}
