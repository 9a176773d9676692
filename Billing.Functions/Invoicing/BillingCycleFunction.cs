using Billing.Domain.Invoicing;
using Billing.Domain.Telemetry;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Invoicing;

/// <summary>
/// Runs the billing cycle on the <c>BillingCycleSchedule</c> app setting (NCRONTAB, UTC: Linux plans ignore
/// WEBSITE_TIME_ZONE). Hourly by default, so each client's period is invoiced soon after it closes in its own zone.
/// After downtime the host fires once with IsPastDue; the cycle itself catches up every missed period.
/// </summary>
public sealed class BillingCycleFunction(BillingCycle cycle, BillingMetrics metrics, TimeProvider clock, ILogger<BillingCycleFunction> logger)
{
    [Function(nameof(BillingCycle))]
    public async Task BillingCycle([TimerTrigger("%BillingCycleSchedule%")] TimerInfo timer, CancellationToken ct)
    {
        if (timer.IsPastDue)
        {
            logger.LogWarning("Billing cycle is running late (missed schedule); it bills every closed period it finds");
        }
        using var activity = BillingMetrics.Activities.StartActivity("billing.cycle.run");
        try
        {
            var summary = await cycle.RunAsync(new BillingRunRequest(clock.GetUtcNow(), Trigger: "timer"), ct);
            metrics.InvoicesIssued.Add(summary.InvoicesCreated);
            activity?.SetTag("billing.invoices_created", summary.InvoicesCreated);
            activity?.SetTag("billing.reconciliation", summary.Reconciliation);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The alert "billing-run-failed" watches this counter (infra/modules/alerts.bicep).
            metrics.RunsFailed.Add(1);
            activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }
    }
}
