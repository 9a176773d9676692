using System.Diagnostics;
using Billing.Domain.Data;
using Billing.Domain.Telemetry;
using Billing.Domain.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Invoicing;

/// <summary>
/// The billing cycle: every closed, unbilled period of every active client becomes one invoice, oldest first, so
/// one run after any downtime catches up. It only orchestrates, each job in its own file: reconciliation with Vapi
/// (<see cref="VapiReconciliation"/>), due periods (<see cref="DuePeriodQuery"/>), issuing in batches
/// (<see cref="InvoiceIssuer"/>), overdue marking (<see cref="OverdueInvoices"/>), credit application
/// (<see cref="Payments.CreditApplication"/>), e-Factura documents (<see cref="EFactura.EFacturaDocuments"/>), client
/// failures (<see cref="ClientFailures"/>) and the run's record. Idempotent and safe to run twice at once: invoices are
/// issued under a transaction-scoped advisory lock, and (clientId, perioada) is unique. Issued invoices never change;
/// calls that arrive after their period was invoiced are billed on the client's next invoice as late usage.
/// </summary>
public sealed class BillingCycle(
    BillingDbContext db,
    DuePeriodQuery duePeriods,
    InvoiceIssuer issuer,
    InvoiceNumbers numbers,
    OverdueInvoices overdueInvoices,
    Payments.CreditApplication credit,
    UsageMaintenance maintenance,
    VapiReconciliation reconciliation,
    ClientFailures clientFailures,
    BillingMetrics metrics,
    Payments.IdempotencyKeys idempotencyKeys,
    EFactura.EFacturaDocuments eFactura,
    IOptions<BillingOptions> options,
    TimeProvider clock,
    ILogger<BillingCycle> logger)
{
    public async Task<BillingRunSummary> RunAsync(BillingRunRequest request, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        using var activity = BillingMetrics.Activities.StartActivity("billing.cycle.run");
        var asOf = request.AsOf.ToUniversalTime();
        var run = new BillingRun { StartedAt = clock.GetUtcNow(), AsOf = asOf, Trigger = request.Trigger, DryRun = request.DryRun, ClientId = request.ClientId };
        if (!request.DryRun)
        {
            db.BillingRuns.Add(run);
            await db.SaveChangesAsync(ct);
        }
        // A step that fails on one client's data fails that client only (docs/decisions/0021).
        var failures = new CycleFailures();
        void DueFailed(string clientId, Exception e) => failures.Add(clientId, CycleSteps.DuePeriods, null, e);
        try
        {
            var (status, counts) = ("skipped", VapiReconciliation.Counts.None);
            if (!request.DryRun)
            {
                var dueFrom = (await duePeriods.DueAsync(request.ClientId, asOf, ct, DueFailed)).GroupBy(d => d.Client.ClientId)
                    .ToDictionary(g => g.Key, g => g.Min(d => d.UsageFrom));
                (status, counts) = await ClientIsolation.RetryConflictsAsync(() => reconciliation.RunAsync(request.ClientId, asOf, dueFrom, ct, failures),
                    db.ChangeTracker.Clear, ct);
                await maintenance.AttributeUnassignedCallsAsync(ct, (clientId, e) => failures.Add(clientId, CycleSteps.Attribution, null, e));
                await maintenance.PurgeExpiredReportsAsync(ct);
            }
            var clientsSeen = await db.Clients.CountAsync(c => c.Active && (request.ClientId == null || c.ClientId == request.ClientId), ct);
            var drafts = new List<InvoiceDraft>();
            var skipped = 0;
            var due = (await duePeriods.DueAsync(request.ClientId, asOf, ct, DueFailed)).GroupBy(d => d.Client.ClientId).ToList();
            // Only a run that reached Vapi issues reconciled invoices (a dry run shows what a successful run would issue); a
            // client whose reconciliation failed is issued in batches of its own, unreconciled.
            foreach (var group in due.GroupBy(g => (status == "ok" || request.DryRun) && !failures.Failed(g.Key, CycleSteps.Reconciliation)))
            {
                foreach (var batch in group.Chunk(options.Value.BatchSize))
                {
                    var issued = await ClientIsolation.EachAsync(batch,
                        clients => issuer.IssueAsync(clients.SelectMany(c => c).ToList(), run, asOf, reconciled: group.Key, request.DryRun, ct),
                        (client, e) => failures.Add(client.Key, CycleSteps.Invoicing, client.First().Period.Key, e, issuer.Statement),
                        db.ChangeTracker.Clear, ct);
                    drafts.AddRange(issued.SelectMany(i => i.Drafts));
                    skipped += issued.Sum(i => i.Skipped);
                }
            }
            var overdue = request.DryRun ? 0 : await overdueInvoices.MarkIsolatedAsync(asOf, failures, ct);
            if (!request.DryRun)
            {
                await credit.ApplyToOpenInvoicesAsync(ct, (clientId, e) => failures.Add(clientId, CycleSteps.Credit, null, e));
                // After the credit, so a new invoice's document states what credit paid (PrepaidAmount).
                await eFactura.GeneratePendingAsync(ct);
                await idempotencyKeys.PurgeExpiredAsync(ct);
                await clientFailures.RecordRunAsync(run.Id, request.ClientId, reachedVapi: status == "ok", failures, ct);
            }
            foreach (var number in numbers.Skipped)
            {
                logger.LogWarning("Invoice number {Number} is held by an invoice made by hand; the series skipped it", number);
            }
            foreach (var failure in failures.Reports)
            {
                logger.LogWarning("Billing run {RunId}: client {ClientId} failed in {Step} ({Period}), skipped: {Error}", run.Id, failure.ClientId,
                    failure.Step, failure.Period, failure.Error);
            }

            var summary = new BillingRunSummary(request.DryRun ? null : run.Id, asOf, request.DryRun, clientsSeen, drafts.Count, skipped, overdue,
                status, counts.Found, counts.Inserted, counts.Completed, stopwatch.Elapsed, drafts)
            {
                Failures = failures.Reports.OrderBy(f => f.ClientId, StringComparer.Ordinal).ThenBy(f => f.Step, StringComparer.Ordinal).ToList(),
                SkippedNumbers = numbers.Skipped.ToList(),
            };
            logger.LogInformation(
                "Billing run {RunId} as of {AsOf}{DryRun}: {ClientsSeen} clients seen, {InvoicesCreated} invoices created, {InvoicesSkipped} skipped, " +
                "{Overdue} marked overdue, reconciliation {Reconciliation} ({CallsFound} calls found, {CallsInserted} inserted, {CallsCompleted} completed), " +
                "{FailedClients} clients failed, {DurationMs} ms",
                summary.RunId, asOf, request.DryRun ? " (dry run)" : "", clientsSeen, drafts.Count, skipped, overdue, status,
                counts.Found, counts.Inserted, counts.Completed, failures.ClientCount, (long)stopwatch.Elapsed.TotalMilliseconds);
            if (!request.DryRun)
            {
                run.Finish(summary, clock.GetUtcNow());
                db.ChangeTracker.Clear();
                db.BillingRuns.Update(run);
                await db.SaveChangesAsync(ct);
            }
            metrics.RunFinished(summary, activity);
            return summary;
        }
        catch (Exception e) when (!request.DryRun && e is not OperationCanceledException)
        {
            db.ChangeTracker.Clear();
            await db.BillingRuns.Where(r => r.Id == run.Id).ExecuteUpdateAsync(s => s
                .SetProperty(r => r.Error, e.GetType().Name + ": " + e.Message)
                .SetProperty(r => r.FinishedAt, clock.GetUtcNow()), CancellationToken.None);
            metrics.RunFailed(e, activity);
            throw;
        }
    }

    /// <summary>The open period of one client as its invoice would be if it closed now; nothing is written.</summary>
    public async Task<InvoiceDraft?> PreviewAsync(string clientId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (await duePeriods.OpenAsync(clientId, now, ct) is not { } open)
        {
            return null;
        }
        var run = new BillingRun { StartedAt = now, AsOf = now, Trigger = "preview", DryRun = true };
        var (drafts, _) = await issuer.IssueAsync([open], run, now, reconciled: true, dryRun: true, ct, preview: true);
        return drafts.SingleOrDefault();
    }
}
