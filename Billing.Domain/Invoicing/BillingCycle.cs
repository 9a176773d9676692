using System.Diagnostics;
using Billing.Domain.Clients;
using Billing.Domain.Data;
using Billing.Domain.Telemetry;
using Billing.Domain.Usage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Invoicing;

/// <summary>
/// The billing cycle: every closed, unbilled period of every active client becomes one invoice, oldest first, so
/// one run after any downtime catches up. It only orchestrates: reconciliation with Vapi (<see cref="VapiReconciliation"/>),
/// due periods (<see cref="DuePeriods"/>), issuing in batches (<see cref="InvoiceIssuer"/>), overdue marking, and the
/// run's record. Idempotent and safe to run twice at once: invoices are issued under a transaction-scoped advisory
/// lock, and (clientId, perioada) is unique. Issued invoices never change; calls that arrive after their period was
/// invoiced are billed on the client's next invoice as late usage.
/// </summary>
public sealed class BillingCycle(
    BillingDbContext db,
    InvoiceIssuer issuer,
    InvoiceNumbers numbers,
    UsageMaintenance maintenance,
    VapiReconciliation reconciliation,
    BillingMetrics metrics,
    Payments.PaymentService payments,
    Payments.IdempotencyKeys idempotencyKeys,
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
                var dueFrom = (await DueAsync(request.ClientId, asOf, ct)).GroupBy(d => d.Client.ClientId)
                    .ToDictionary(g => g.Key, g => g.Min(d => d.UsageFrom));
                (status, counts) = await reconciliation.RunAsync(request.ClientId, asOf, dueFrom, ct);
                await maintenance.AttributeUnassignedCallsAsync(ct);
                await maintenance.PurgeExpiredReportsAsync(ct);
            }
            var clientsSeen = await db.Clients.CountAsync(c => c.Active && (request.ClientId == null || c.ClientId == request.ClientId), ct);
            var drafts = new List<InvoiceDraft>();
            var skipped = 0;
            foreach (var batch in (await DueAsync(request.ClientId, asOf, ct)).GroupBy(d => d.Client.ClientId).Chunk(options.Value.BatchSize))
            {
                // Only a run that reached Vapi issues reconciled invoices; a dry run shows what a successful run would issue.
                var (issued, skippedInBatch) = await issuer.IssueAsync(batch.SelectMany(g => g).ToList(), run, asOf,
                    reconciled: status == "ok" || request.DryRun, request.DryRun, ct);
                drafts.AddRange(issued);
                skipped += skippedInBatch;
            }
            var overdue = request.DryRun ? 0 : await MarkOverdueAsync(asOf, ct);
            if (!request.DryRun)
            {
                await ApplyClientCreditAsync(ct);
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
        var client = await db.Clients.AsNoTracking().SingleOrDefaultAsync(c => c.ClientId == clientId, ct);
        if (client is null)
        {
            return null;
        }
        var now = clock.GetUtcNow();
        var last = await db.Invoices.Where(i => i.ClientId == clientId).OrderByDescending(i => i.Period)
            .Select(i => new LastInvoice(i.Period, i.PeriodEnd, i.UsageEpoch)).FirstOrDefaultAsync(ct);
        var history = new TermsHistory(await db.ClientTerms.AsNoTracking().Where(t => t.ClientId == clientId).ToListAsync(ct));
        var run = new BillingRun { StartedAt = now, AsOf = now, Trigger = "preview", DryRun = true };
        var (drafts, _) = await issuer.IssueAsync([DuePeriods.Open(client, history, last, now)], run, now, reconciled: true, dryRun: true, ct,
            preview: true);
        return drafts.SingleOrDefault();
    }

    /// <summary>Sets the next number of an invoice series for a year (<see cref="InvoiceNumbers.SetNextAsync"/>).</summary>
    public Task<bool> SetNextInvoiceNumberAsync(int year, long nextNumber, CancellationToken ct) => numbers.SetNextAsync(year, nextNumber, ct);

    /// <summary>Every closed period not invoiced yet, per active client, in (period start, client) order.</summary>
    private async Task<List<DuePeriod>> DueAsync(string? clientId, DateTimeOffset asOf, CancellationToken ct)
    {
        var clients = await db.Clients.AsNoTracking()
            .Where(c => c.Active && (clientId == null || c.ClientId == clientId))
            .Select(c => new
            {
                Client = c,
                Last = db.Invoices.Where(i => i.ClientId == c.ClientId).OrderByDescending(i => i.Period)
                    .Select(i => new LastInvoice(i.Period, i.PeriodEnd, i.UsageEpoch)).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var terms = (await db.ClientTerms.AsNoTracking().Where(t => clientId == null || t.ClientId == clientId).ToListAsync(ct))
            .GroupBy(t => t.ClientId).ToDictionary(g => g.Key, g => new TermsHistory(g));
        var grace = TimeSpan.FromHours(options.Value.GraceHours);
        return clients.SelectMany(c => DuePeriods.Of(c.Client, terms[c.Client.ClientId], c.Last, asOf, grace))
            .OrderBy(d => d.Period.Start).ThenBy(d => d.Client.ClientId, StringComparer.Ordinal).ToList();
    }

    /// <summary>Client credit (an overpayment's excess) goes to the client's open invoices, earliest due first, as their prepaid amount.</summary>
    private async Task ApplyClientCreditAsync(CancellationToken ct)
    {
        var open = await db.Invoices.AsNoTracking()
            .Where(i => (i.Status == InvoiceStatus.Pending || i.Status == InvoiceStatus.Overdue) && i.AmountDue > 0
                && db.ClientCredits.Where(c => c.ClientId == i.ClientId && c.Currency == i.Currency).Sum(c => c.Amount) > 0)
            .OrderBy(i => i.DueDate).ThenBy(i => i.Id).Select(i => i.Id).ToListAsync(ct);
        foreach (var invoiceId in open)
        {
            await payments.ApplyCreditAsync(invoiceId, Audit.Actor.System, ct);
        }
    }

    /// <summary>
    /// PENDING invoices whose due date has passed in the client's zone become OVERDUE; each change is audited as the
    /// app's (<see cref="Audit.Actor.System"/>) in the same statement, so the status and its audit row commit together.
    /// </summary>
    private Task<int> MarkOverdueAsync(DateTimeOffset asOf, CancellationToken ct) => new Sql("""
        WITH overdue AS (
            UPDATE "Factura" f SET "status" = 'OVERDUE'
            FROM "Client" c
            WHERE c."clientId" = f."clientId" AND f."status" = 'PENDING' AND f."dueDate" < (@as_of AT TIME ZONE c."timeZone")::date
            RETURNING f."id", f."clientId", f."dueDate"
        )
        INSERT INTO "AuditLog" ("occurredAt", "actor", "entity", "entityId", "action", "clientId", "invoiceId", "before", "after", "reason")
        SELECT @now, @actor, @entity, o."id"::text, 'status', o."clientId", o."id",
               '{"status":"Pending"}'::jsonb, '{"status":"Overdue"}'::jsonb, 'Due date ' || to_char(o."dueDate", 'YYYY-MM-DD') || ' has passed.'
        FROM overdue o
        """).With("as_of", asOf).With("now", clock.GetUtcNow()).With("actor", Audit.Actor.System.Name).With("entity", Audit.AuditEntities.Invoice)
        .ExecuteAsync(db, ct);
}
