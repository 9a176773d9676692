using Billing.Domain.Invoicing;
using Microsoft.Extensions.Logging;

namespace Billing.Functions.Invoicing;

/// <summary>
/// Runs the billing cycle on the <c>BillingCycleSchedule</c> app setting (NCRONTAB, UTC: Linux plans ignore
/// WEBSITE_TIME_ZONE). Hourly by default, so each client's period is invoiced soon after it closes in its own zone.
/// After downtime the host fires once with IsPastDue; the cycle itself catches up every missed period.
/// </summary>
public sealed class BillingCycleFunction(BillingCycle cycle, TimeProvider clock, ILogger<BillingCycleFunction> logger)
{
    [Function(nameof(BillingCycle))]
    public async Task BillingCycle([TimerTrigger("%BillingCycleSchedule%")] TimerInfo timer, CancellationToken ct)
    {
        if (timer.IsPastDue)
        {
            logger.LogWarning("Billing cycle is running late (missed schedule); it bills every closed period it finds");
        }
        // The run's span and metrics (billing.invoices.issued, billing.runs.failed) come from the cycle itself, so the CLI's runs count too.
        await cycle.RunAsync(new BillingRunRequest(clock.GetUtcNow(), Trigger: "timer"), ct);
    }
}
