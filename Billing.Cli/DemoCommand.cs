using System.CommandLine;
using System.Globalization;
using Billing.Cli.Demo;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Billing.Domain.Outbox;
using Billing.Domain.Parties;
using Billing.Domain.Payments;
using Billing.Domain.Reports;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary>
/// The README's first command: on a fresh machine, start the local database, migrate it, add the sample clients,
/// feed a generated month of Vapi end-of-call reports through the webhook's code path, bill that month with a fixed
/// clock, e-mail the invoices (to smtp4dev, the local SMTP server, unless Smtp:Host names another) and print the
/// invoices and the seed's monitoring reports. Running it again changes nothing and sends nothing again.
/// </summary>
internal static class DemoCommand
{
    public const int Year = 2025;
    public const int Month = 11;
    /// <summary>1 December 2025, 12:00 UTC: November has closed in Bucharest and its grace window has passed.</summary>
    public static readonly DateTimeOffset BillingInstant = new(2025, 12, 1, 12, 0, 0, TimeSpan.Zero);

    public static Command Create(CliEnvironment environment)
    {
        var demo = new Command("demo", "Set up the local database and run the billing job end to end on a generated month of calls.");
        demo.SetAction(async (_, ct) =>
        {
            var o = environment.Out;
            // The demo's calls exist only here, not in a Vapi account, so there is nothing to reconcile with.
            var settings = new Dictionary<string, string?>(environment.Settings) { ["Billing:ReconciliationEnabled"] = "false" };
            var mailbox = await MailboxAsync(environment, settings, ct);
            var demoEnvironment = new CliEnvironment
            {
                Out = environment.Out,
                Error = environment.Error,
                Interactive = environment.Interactive,
                Clock = environment.Clock ?? new FixedClock(BillingInstant),
                Settings = settings,
            };
            await using var services = await CliServices.BuildAsync(demoEnvironment, ct);
            var applied = await DatabaseCommands.MigrateAsync(services, ct);
            o.WriteLine(applied.Count == 0 ? "Database: up to date." : $"Database: applied {string.Join(", ", applied)}.");

            await using var scope = services.CreateAsyncScope();
            var sp = scope.ServiceProvider;
            var issuers = sp.GetRequiredService<IssuerService>();
            if (await issuers.FindAsync(ct) is null)
            {
                await issuers.SetAsync(DemoMonth.Issuer, Actor.CurrentCliUser(), ct);
            }
            var issuer = (await issuers.FindAsync(ct))!;
            o.WriteLine($"Issuer: {issuer.LegalName} ({issuer.VatId ?? issuer.FiscalCode}); change it with 'billing issuer set'.");
            var added = 0;
            foreach (var c in DemoMonth.Clients)
            {
                added += await sp.GetRequiredService<ClientService>().AddAsync(new Client
                {
                    ClientId = c.ClientId,
                    Name = c.Name,
                    Email = c.Email,
                    MonthlyFee = c.MonthlyFee,
                    PricePerMinute = c.PricePerMinute,
                    BillingDay = c.BillingDay,
                    BillingStartDate = new DateOnly(Year, Month, 1),
                    Assistants = [new ClientAssistant { VapiId = c.AssistantId, ClientId = c.ClientId }],
                    Buyer = DemoMonth.Buyers[c.ClientId],
                }, Actor.CurrentCliUser(), ct) ? 1 : 0;
            }
            o.WriteLine($"Clients: {DemoMonth.Clients.Length} sample clients ({added} added now).");

            var reports = DemoMonth.Reports(Year, Month).Select(r => ($"call {r.CallId}", r.Body)).ToList();
            var imported = await CallCommands.ImportAsync(demoEnvironment, sp, reports, ct);
            o.WriteLine($"Calls: {reports.Count} end-of-call reports for {Year}-{Month:D2} through the webhook path: " +
                        $"{imported.Inserted} new, {imported.Unchanged} already recorded, {imported.Invalid} invalid.");

            var summary = await sp.GetRequiredService<BillingCycle>().RunAsync(new BillingRunRequest(BillingInstant, "demo"), ct);
            CycleCommands.WriteSummary(o, summary);

            var mail = await sp.GetRequiredService<OutboxDispatcher>().RunAsync(ct);
            o.WriteLine(mail.DisabledKinds.TryGetValue(InvoiceEmail.Kind, out var off)
                ? $"E-mail: not sent ({off}); the invoices' e-mails wait in the outbox (billing outbox list)."
                : $"E-mail: {mail.Delivered} invoice e-mails sent now ({mail.DeadLettered} dead-lettered); read them at {mailbox}.");

            var queries = sp.GetRequiredService<ReportQueries>();
            var period = $"{Year}-{Month:D2}";
            o.WriteLine();
            o.WriteLine($"Invoices for {period}:");
            InvoiceCommands.WriteTable(o, await InvoiceCommands.ListAsync(queries, new InvoiceFilter(PeriodFrom: period, PeriodTo: period), ct));

            // The seed README's three monitors, through the queries the API serves them with.
            o.WriteLine();
            o.WriteLine($"Monitoring: invoices generated in the last day (as of {BillingInstant:yyyy-MM-dd HH:mm}Z):");
            var recent = await queries.RecentInvoicesAsync(Caller.LocalOperator, BillingInstant.AddDays(-1), ReportQueries.MaxLimit, ct);
            o.WriteLine(recent.Count == 0 ? "  none (they were generated by an earlier run)" : $"  {recent.Count}: {string.Join(", ", recent.Select(i => i.Number))}");
            o.WriteLine("Monitoring: failed payments:");
            var failed = await queries.PaymentsAsync(Caller.LocalOperator, PaymentStatus.Failed, invoiceId: null, clientId: null, ReportQueries.MaxLimit, ct);
            o.WriteLine(failed.Count == 0 ? "  none" : string.Join(Environment.NewLine, failed.Select(p => $"  {p.Id} {p.Amount} {p.Currency}")));
            o.WriteLine($"Monitoring: top clients by usage in {period}:");
            Output.WriteTable(o, ["client", "minutes", "total", "period"], (await queries.TopClientsAsync(Caller.LocalOperator, period, 10, ct))
                .Select(i => (IReadOnlyList<string>)[i.ClientName ?? i.ClientId, i.Minutes.ToString("0.####", CultureInfo.InvariantCulture),
                    InvoiceCommands.Amount(i.Total), i.Period]));
            return imported.Invalid == 0 ? ExitCodes.Success : ExitCodes.Failure;
        });
        return demo;
    }

    /// <summary>
    /// Where the demo's e-mail goes: the configured SMTP server, else smtp4dev started by scripts/local-smtp.sh, whose
    /// settings are added to <paramref name="settings"/>. Returns where to read the mail. A local server that cannot start
    /// leaves sending off: the invoices are still issued and their e-mails wait in the outbox.
    /// </summary>
    private static async Task<string> MailboxAsync(CliEnvironment environment, Dictionary<string, string?> settings, CancellationToken ct)
    {
        var configured = settings.GetValueOrDefault("Smtp:Host") ?? Environment.GetEnvironmentVariable("Smtp__Host");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return $"the configured SMTP server ({configured})";
        }
        try
        {
            var local = await LocalServers.MailAsync(ct);
            foreach (var key in new[] { "Smtp:Host", "Smtp:Port", "Smtp:Security" })
            {
                settings[key] = local[key];
            }
            settings.TryAdd("Smtp:From", "Facturare Agenția Demo <facturi@agentia-demo.test>");
            return $"{local["WebUi"]} (smtp4dev; scripts/local-smtp.sh stop ends it)";
        }
        catch (CliException e)
        {
            environment.Error.WriteLine($"E-mail: the local SMTP server did not start: {e.Message}");
            return "nowhere";
        }
    }
}
