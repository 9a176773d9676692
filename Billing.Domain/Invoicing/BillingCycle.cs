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
/// (<see cref="Payments.CreditApplication"/>), and the run's record. Idempotent and safe to run twice at once: invoices
/// are issued under a transaction-scoped advisory lock, and (clientId, perioada) is unique. Issued invoices never change; calls that arrive after their period was
/// invoiced are billed on the client's next invoice as late usage.
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
        try
        {
            var (status, counts) = ("skipped", VapiReconciliation.Counts.None);
            if (!request.DryRun)
            {
                var dueFrom = (await duePeriods.DueAsync(request.ClientId, asOf, ct)).GroupBy(d => d.Client.ClientId)
                    .ToDictionary(g => g.Key, g => g.Min(d => d.UsageFrom));
                (status, counts) = await reconciliation.RunAsync(request.ClientId, asOf, dueFrom, ct);
                await maintenance.AttributeUnassignedCallsAsync(ct);
                await maintenance.PurgeExpiredReportsAsync(ct);
            }
            var clientsSeen = await db.Clients.CountAsync(c => c.Active && (request.ClientId == null || c.ClientId == request.ClientId), ct);
            var drafts = new List<InvoiceDraft>();
            var skipped = 0;
            foreach (var batch in (await duePeriods.DueAsync(request.ClientId, asOf, ct)).GroupBy(d => d.Client.ClientId).Chunk(options.Value.BatchSize))
            {
                // Only a run that reached Vapi issues reconciled invoices; a dry run shows what a successful run would issue.
                var (issued, skippedInBatch) = await issuer.IssueAsync(batch.SelectMany(g => g).ToList(), run, asOf,
                    reconciled: status == "ok" || request.DryRun, request.DryRun, ct);
                drafts.AddRange(issued);
                skipped += skippedInBatch;
            }
            var overdue = request.DryRun ? 0 : await overdueInvoices.MarkAsync(asOf, ct);
            if (!request.DryRun)
            {
                await credit.ApplyToOpenInvoicesAsync(ct);
                // After the credit, so a new invoice's document states what credit paid (PrepaidAmount).
                await eFactura.GeneratePendingAsync(ct);
                await idempotencyKeys.PurgeExpiredAsync(ct);
            }

            var summary = new BillingRunSummary(request.DryRun ? null : run.Id, asOf, request.DryRun, clientsSeen, drafts.Count, skipped, overdue,
                status, counts.Found, counts.Inserted, counts.Completed, stopwatch.Elapsed, drafts);
            logger.LogInformation(
                "Billing run {RunId} as of {AsOf}{DryRun}: {ClientsSeen} clients seen, {InvoicesCreated} invoices created, {InvoicesSkipped} skipped, " +
                "{Overdue} marked overdue, reconciliation {Reconciliation} ({CallsFound} calls found, {CallsInserted} inserted, {CallsCompleted} completed), {DurationMs} ms",
                summary.RunId, asOf, request.DryRun ? " (dry run)" : "", clientsSeen, drafts.Count, skipped, overdue, status,
                counts.Found, counts.Inserted, counts.Completed, (long)stopwatch.Elapsed.TotalMilliseconds);
            if (!request.DryRun)
            {
                (run.ClientsSeen, run.InvoicesCreated, run.InvoicesSkipped, run.InvoicesMarkedOverdue) = (clientsSeen, drafts.Count, skipped, overdue);
                (run.Reconciliation, run.CallsFound, run.CallsInserted, run.CallsCompleted) = (status, counts.Found, counts.Inserted, counts.Completed);
                run.FinishedAt = clock.GetUtcNow();
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

    /// <summary>Sets the next number of an invoice series for a year (<see cref="InvoiceNumbers.SetNextAsync"/>).</summary>
    public Task<bool> SetNextInvoiceNumberAsync(int year, long nextNumber, CancellationToken ct) => numbers.SetNextAsync(year, nextNumber, ct);
}
