using System.CommandLine;
using Billing.Domain.Invoicing;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing cycle run|preview</c>: the billing cycle by hand, through the same service as the timer.</summary>
internal static class CycleCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var asOf = new Option<DateTimeOffset?>("--as-of") { Description = "Bill as if it were this instant (ISO 8601); default now." };
        var client = new Option<string?>("--client") { Description = "Only this client." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Compute the invoices without writing anything." };
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var run = new Command("run", "Invoice every closed, unbilled period (all clients, or one).") { asOf, client, dryRun, json };
        run.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var instant = parse.GetValue(asOf) ?? services.GetRequiredService<TimeProvider>().GetUtcNow();
            var summary = await services.GetRequiredService<BillingCycle>()
                .RunAsync(new BillingRunRequest(instant, "cli", parse.GetValue(client), parse.GetValue(dryRun)), ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, summary);
            }
            else
            {
                WriteSummary(environment.Out, summary);
            }
            // The run did everyone else's work; the skipped clients need an operator (docs/decisions/0021).
            return summary.Failures.Count == 0 ? ExitCodes.Success : ExitCodes.ClientFailures;
        }));

        var all = new Option<bool>("--all") { Description = "Resolved failures too." };
        var failuresClient = new Option<string?>("--client") { Description = "Only this client." };
        var limit = new Option<int>("--limit") { Description = "At most this many, oldest first (default 100).", DefaultValueFactory = _ => 100 };
        var failures = new Command("failures", "Clients the cycle skipped because a step failed on their data (open ones, unless --all).")
        {
            all, failuresClient, limit, json,
        };
        failures.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var count = parse.GetValue(limit);
            if (count is < 1 or > ClientFailures.MaxLimit)
            {
                throw new ArgumentException($"--limit must be 1 to {ClientFailures.MaxLimit}.");
            }
            var page = await services.GetRequiredService<ClientFailures>().ListAsync(parse.GetValue(all), parse.GetValue(failuresClient), count, null, ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, page.Items);
                return ExitCodes.Success;
            }
            if (page.Items.Count == 0)
            {
                environment.Out.WriteLine(parse.GetValue(all) ? "No client failures." : "No open client failures.");
                return ExitCodes.Success;
            }
            Output.WriteTable(environment.Out, ["client", "step", "period", "first seen", "last seen", "attempts", "resolved", "error"],
                page.Items.Select(f => (IReadOnlyList<string>)[f.ClientId, f.Step, f.Period ?? "", $"{f.FirstSeenAt:yyyy-MM-dd HH:mm}Z",
                    $"{f.LastSeenAt:yyyy-MM-dd HH:mm}Z", f.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    f.ResolvedAt is { } r ? $"{r:yyyy-MM-dd HH:mm}Z" : "", f.Error]));
            return ExitCodes.Success;
        }));

        var previewClient = new Option<string>("--client") { Description = "The client to preview.", Required = true };
        var preview = new Command("preview", "Show the open period's invoice as it would be if the period closed now.") { previewClient, json };
        preview.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var draft = await services.GetRequiredService<BillingCycle>().PreviewAsync(parse.GetValue(previewClient)!, ct)
                        ?? throw new CliException($"No client '{parse.GetValue(previewClient)}': see 'billing clients list'.");
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, draft);
                return ExitCodes.Success;
            }
            environment.Out.WriteLine($"{draft.ClientId} {draft.Period} ({draft.PeriodStart:yyyy-MM-dd} to {draft.PeriodEnd:yyyy-MM-dd}, open):");
            environment.Out.WriteLine($"  {draft.Minutes} min in {draft.TotalCalls} calls ({draft.SuccessfulCalls} successful)");
            environment.Out.WriteLine($"  minutes {InvoiceCommands.Amount(draft.MinutesAmount)} + fixed fee {InvoiceCommands.Amount(draft.FixedFee)}" +
                                      $" + late usage {InvoiceCommands.Amount(draft.LateUsageAmount)} = {InvoiceCommands.Amount(draft.Total)} {draft.Currency}");
            return ExitCodes.Success;
        }));
        return new Command("cycle", "The billing cycle.") { run, preview, failures };
    }

    public static void WriteSummary(TextWriter writer, BillingRunSummary s)
    {
        writer.WriteLine($"Billing run as of {s.AsOf:yyyy-MM-dd HH:mm}Z{(s.DryRun ? " (dry run, nothing written)" : "")}: " +
                         $"{s.ClientsSeen} clients, {s.InvoicesCreated} invoices created, {s.InvoicesSkipped} skipped, " +
                         $"{s.InvoicesMarkedOverdue} marked overdue; reconciliation {s.Reconciliation} " +
                         $"({s.CallsFound} found, {s.CallsInserted} inserted, {s.CallsCompleted} completed); {s.Duration.TotalMilliseconds:0} ms.");
        foreach (var number in s.SkippedNumbers)
        {
            writer.WriteLine($"Number {number} is held by an invoice made by hand: the series skipped it.");
        }
        if (s.Failures.Count > 0)
        {
            writer.WriteLine($"{s.Failures.Select(f => f.ClientId).Distinct().Count()} clients failed and were skipped (every other client's work " +
                             "was done; each is retried every run, see 'billing cycle failures'):");
            foreach (var f in s.Failures)
            {
                writer.WriteLine($"  {f.ClientId}: {f.Step}{(f.Period is null ? "" : " " + f.Period)}: {f.Error}");
            }
        }
    }
}
