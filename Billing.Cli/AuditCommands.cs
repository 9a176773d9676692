using System.CommandLine;
using Billing.Domain.Audit;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing audit --invoice ID | --client ID</c>: the audit trail of one invoice or client, oldest change first.</summary>
internal static class AuditCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var invoice = new Option<Guid?>("--invoice") { Description = "An invoice's id: its status changes, payments and refunds." };
        var client = new Option<string?>("--client") { Description = "A client's id: its terms, invoices, payments and keys." };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var audit = new Command("audit", "Show who changed an invoice or a client, when, from what to what, and why.") { invoice, client, json };
        audit.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var (invoiceId, clientId) = (parse.GetValue(invoice), parse.GetValue(client));
            if ((invoiceId is null) == (clientId is null))
            {
                throw new ArgumentException("Give exactly one of --invoice ID or --client ID.");
            }
            var db = services.GetRequiredService<BillingDbContext>();
            var history = services.GetRequiredService<AuditHistory>();
            List<AuditRecord> rows;
            if (invoiceId is { } id)
            {
                rows = await db.Invoices.AnyAsync(i => i.Id == id, ct)
                    ? await history.ForInvoiceAsync(id, agencyView: true, ct)
                    : throw new CliException($"No invoice {id}: see 'billing invoices list'.");
            }
            else
            {
                rows = await db.Clients.AnyAsync(c => c.ClientId == clientId, ct)
                    ? await history.ForClientAsync(clientId!, agencyView: true, ct)
                    : throw new CliException($"No client '{clientId}': see 'billing clients list'.");
            }
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, rows);
                return ExitCodes.Success;
            }
            Output.WriteTable(environment.Out, ["when", "actor", "entity", "id", "action", "before", "after", "reason"],
                rows.Select(r => (IReadOnlyList<string>)[r.OccurredAt.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'"), r.Actor, r.Entity,
                    r.EntityId, r.Action, r.Before ?? "", r.After ?? "", r.Reason ?? ""]));
            return ExitCodes.Success;
        }));
        return audit;
    }
}
