using System.Diagnostics;
using System.Diagnostics.Metrics;
using Billing.Domain.Invoicing;
using Billing.Domain.Usage;

namespace Billing.Domain.Telemetry;

/// <summary>
/// The app's own traces and metrics, exported by OpenTelemetry (Billing.Functions/Infrastructure/Telemetry.cs) to
/// Application Insights or OTLP. The alerts in infra/modules/alerts.bicep query these names; rename them together.
/// </summary>
public sealed class BillingMetrics
{
    /// <summary>The name of the meter and of the activity source.</summary>
    public const string Name = "Billing";

    /// <summary>Spans around the app's own units of work (a webhook report, a billing run); Npgsql and HttpClient add theirs inside.</summary>
    public static readonly ActivitySource Activities = new(Name);

    public BillingMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        CallsRecorded = meter.CreateCounter<long>("billing.calls.recorded", "{call}", "Calls that became usage rows (tag source: webhook, reconciliation, import).");
        CallsReplayed = meter.CreateCounter<long>("billing.calls.replayed", "{call}", "Reports of calls already recorded: replays and duplicates, which changed nothing.");
        CallsRecovered = meter.CreateCounter<long>("billing.calls.recovered", "{call}", "Calls that reconciliation with Vapi's API recorded because no webhook had.");
        ReportsQuarantined = meter.CreateCounter<long>("billing.reports.quarantined", "{report}", "Webhook reports refused as malformed or unusable (tag reason).");
        InvoicesIssued = meter.CreateCounter<long>("billing.invoices.issued", "{invoice}", "Invoices issued by billing runs.");
        RunsFailed = meter.CreateCounter<long>("billing.runs.failed", "{run}", "Billing runs that ended in an error.");
        WebhookDuration = meter.CreateHistogram<double>("billing.webhook.duration", "s", "Time to take in one webhook report, from the body read to the answer.");
        OutboxDead = meter.CreateGauge<long>("billing.outbox.dead", "{message}", "Dead-lettered outbox messages waiting for an operator (observed by each delivery run and health check).");
        OutboxPending = meter.CreateGauge<long>("billing.outbox.pending", "{message}", "Outbox messages waiting to be delivered.");
        OutboxOldestPendingAge = meter.CreateGauge<double>("billing.outbox.oldest_pending_age", "s", "Age of the oldest message waiting to be delivered (0 when none).");
    }

    public Counter<long> CallsRecorded { get; }
    public Counter<long> CallsReplayed { get; }
    public Counter<long> CallsRecovered { get; }
    public Counter<long> ReportsQuarantined { get; }
    public Counter<long> InvoicesIssued { get; }
    public Counter<long> RunsFailed { get; }
    public Histogram<double> WebhookDuration { get; }
    public Gauge<long> OutboxDead { get; }
    public Gauge<long> OutboxPending { get; }
    public Gauge<double> OutboxOldestPendingAge { get; }

    /// <summary>A billing run that ended (the timer's or the CLI's): the invoices it issued; the alert "billing-run-failed" watches failures.</summary>
    public void RunFinished(BillingRunSummary summary, Activity? activity)
    {
        if (!summary.DryRun)
        {
            InvoicesIssued.Add(summary.InvoicesCreated);
        }
        activity?.SetTag("billing.invoices_created", summary.InvoicesCreated);
        activity?.SetTag("billing.reconciliation", summary.Reconciliation);
    }

    public void RunFailed(Exception error, Activity? activity)
    {
        RunsFailed.Add(1);
        activity?.SetStatus(ActivityStatusCode.Error, error.GetType().Name);
    }

    /// <summary>The outbox as just observed; the alert "outbox-dead-messages" fires while dead letters exist.</summary>
    public void OutboxObserved(int pending, int dead, TimeSpan? oldestPendingAge)
    {
        OutboxPending.Record(pending);
        OutboxDead.Record(dead);
        OutboxOldestPendingAge.Record(oldestPendingAge?.TotalSeconds ?? 0);
    }

    /// <summary>What recording one call did: a new row, a recovered one (reconciliation found what no webhook brought), or a replay.</summary>
    public void CallRecorded(UsageSource source, RecordOutcome outcome)
    {
        var tag = new KeyValuePair<string, object?>("source", SourceTag(source));
        switch (outcome)
        {
            case RecordOutcome.Inserted:
                CallsRecorded.Add(1, tag);
                if (source == UsageSource.Reconciliation)
                {
                    CallsRecovered.Add(1);
                }
                break;
            case RecordOutcome.Unchanged:
                CallsReplayed.Add(1, tag);
                break;
        }
    }

    /// <summary>One report taken in: refused ones count as quarantined; the webhook's time is its latency.</summary>
    public void ReportIngested(UsageSource source, EndOfCallReportIngestion.Result result, TimeSpan elapsed)
    {
        if (result is EndOfCallReportIngestion.Invalid invalid)
        {
            ReportsQuarantined.Add(1, new KeyValuePair<string, object?>("reason", invalid.Malformed ? "malformed" : "unusable"),
                new KeyValuePair<string, object?>("source", SourceTag(source)));
        }
        if (source == UsageSource.Webhook)
        {
            WebhookDuration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("result", result switch
            {
                EndOfCallReportIngestion.Recorded => "recorded",
                EndOfCallReportIngestion.Ignored => "ignored",
                _ => "refused",
            }));
        }
    }

    private static string SourceTag(UsageSource source) => source switch
    {
        UsageSource.Webhook => "webhook",
        UsageSource.Reconciliation => "reconciliation",
        UsageSource.Import => "import",
        _ => "other",
    };
}
