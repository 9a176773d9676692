using System.CommandLine;
using System.Globalization;
using Billing.Domain.Audit;
using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Payments;
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

        var addAllowCredit = new Option<bool>("--allow-credit")
        { Description = "Keep an overpayment's excess as client credit instead of refusing it (audited)." };
        var add = new Command("add", "Add a client.") { id, name, fee, rate, billingDay, timeZone, currency, start, assistants, addAllowCredit };
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
                AllowCredit = parse.GetValue(addAllowCredit),
            };
            if (!await services.GetRequiredService<ClientService>().AddAsync(client, Actor.CurrentCliUser(), ct))
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
            var service = services.GetRequiredService<ClientService>();
            var clients = await service.ListAsync(ct);
            // The terms in force for each client's open period (later ones are scheduled: 'billing clients terms').
            var terms = await service.TermsAsync(clients, ct);
            var credits = await services.GetRequiredService<PaymentService>().CreditsAsync(clients.Select(c => c.ClientId).ToList(), ct);
            string Credit(Client c) => string.Join(" ", (credits.GetValueOrDefault(c.ClientId) ?? []).OrderBy(x => x.Key, StringComparer.Ordinal)
                .Select(x => $"{Money.Round(x.Value).ToString("0.00", CultureInfo.InvariantCulture)} {x.Key}"));
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, clients.Select(c => (c, t: terms[c.ClientId].Current)).Select(x => new
                {
                    x.c.ClientId,
                    x.c.Name,
                    x.t.MonthlyFee,
                    x.t.PricePerMinute,
                    x.t.Currency,
                    x.c.BillingDay,
                    x.t.TimeZone,
                    x.c.Active,
                    x.t.IncludedMinutes,
                    x.c.PaymentTermDays,
                    Assistants = x.c.Assistants.Select(a => a.VapiId),
                    x.c.AllowCredit,
                    Credit = credits.GetValueOrDefault(x.c.ClientId) ?? [],
                    ScheduledTerms = terms[x.c.ClientId].Scheduled.Count,
                }));
                return ExitCodes.Success;
            }
            Output.WriteTable(environment.Out, ["client", "name", "fee", "per min", "cur", "day", "zone", "active", "credit", "assistants"],
                clients.Select(c => (c, t: terms[c.ClientId].Current)).Select(x => (IReadOnlyList<string>)[x.c.ClientId, x.c.Name,
                    x.t.MonthlyFee.ToString("0.00", CultureInfo.InvariantCulture), x.t.PricePerMinute.ToString("0.00##", CultureInfo.InvariantCulture),
                    x.t.Currency, x.c.BillingDay.ToString(CultureInfo.InvariantCulture), x.t.TimeZone, x.c.Active ? "yes" : "no",
                    Credit(x.c), string.Join(",", x.c.Assistants.Select(a => a.VapiId))]));
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
        var newCurrency = new Option<string?>("--currency") { Description = "ISO 4217 code, e.g. RON." };
        var effectiveFrom = new Option<DateOnly?>("--effective-from")
        {
            Description = "Period start (YYYY-MM-DD) from which the terms given apply: the open period's or a later one; default the next period's.",
        };
        var allowCredit = new Option<bool?>("--allow-credit")
        {
            Description = "true: keep an overpayment's excess as client credit (used by the next invoices); false: refuse overpayments. Audited.",
        };
        var addAssistant = new Option<string[]>("--assistant-add") { AllowMultipleArgumentsPerToken = true };
        var removeAssistant = new Option<string[]>("--assistant-remove") { AllowMultipleArgumentsPerToken = true };
        var set = new Command("set", "Change a client.")
        {
            target, newName, newFee, newRate, newDay, newZone, active, included, term, rounding, newCurrency, effectiveFrom, allowCredit, addAssistant,
            removeAssistant,
        };
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
                parse.GetValue(addAssistant), parse.GetValue(removeAssistant), setBuyer.Read(parse, current?.Buyer.Address), setBuyer.PriceBasis(parse),
                parse.GetValue(newCurrency)?.ToUpperInvariant(), parse.GetValue(effectiveFrom), parse.GetValue(allowCredit)), Actor.CurrentCliUser(), ct);
            environment.Out.WriteLine($"Changed client {client.ClientId}.{BuyerNote(client)}");
            return ExitCodes.Success;
        }));
        var termsOf = new Argument<string>("clientId") { Description = "The client whose terms history to show." };
        var terms = new Command("terms", "A client's terms history (oldest first), marking the row in force now.") { termsOf };
        terms.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var service = services.GetRequiredService<ClientService>();
            var client = await service.FindAsync(parse.GetValue(termsOf)!, ct)
                         ?? throw new CliException($"There is no client '{parse.GetValue(termsOf)}'.");
            var now = await service.TermsAsync(client, ct);
            Output.WriteTable(environment.Out, ["from", "fee", "per min", "included", "rounding", "cur", "zone", ""],
                now.History.Rows.Select(t => (IReadOnlyList<string>)[t.EffectiveFrom.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    t.MonthlyFee.ToString("0.00", CultureInfo.InvariantCulture), t.PricePerMinute.ToString("0.00##", CultureInfo.InvariantCulture),
                    t.IncludedMinutes.ToString("0.####", CultureInfo.InvariantCulture), TextEnum.ToText(t.MinuteRounding, TextCase.Lower), t.Currency,
                    t.TimeZone, ReferenceEquals(t, now.Current) ? "current" : t.EffectiveFrom > now.Current.EffectiveFrom ? "scheduled" : ""]));
            return ExitCodes.Success;
        }));
        return new Command("clients", "Client businesses and their Vapi assistants.") { add, list, set, terms };
    }

    private static string BuyerNote(Client client) => client.Buyer.Missing() is { Count: > 0 } missing
        ? $" Its invoices are not exportable to e-Factura until it has: {string.Join(", ", missing)}."
        : "";
}
