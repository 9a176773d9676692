namespace Billing.Domain.Invoicing;

/// <summary>One run of the billing cycle, recorded for operators: what it saw, reconciled and issued.</summary>
public sealed class BillingRun
{
    public Guid Id { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    /// <summary>The instant the run billed up to (the clock, or an operator's <c>--as-of</c>).</summary>
    public DateTimeOffset AsOf { get; set; }
    public required string Trigger { get; set; }
    public bool DryRun { get; set; }
    /// <summary>The one client the run was limited to, or null for a run over all clients (the only kind whose
    /// reconciliation counts as covering every client).</summary>
    public string? ClientId { get; set; }

    public int ClientsSeen { get; set; }
    public int InvoicesCreated { get; set; }
    public int InvoicesSkipped { get; set; }
    public int InvoicesMarkedOverdue { get; set; }

    /// <summary>ok, failed, disabled or skipped.</summary>
    public string? Reconciliation { get; set; }
    public int CallsFound { get; set; }
    public int CallsInserted { get; set; }
    public int CallsCompleted { get; set; }
    /// <summary>Clients whose work this run skipped because a step failed on their data (<see cref="ClientFailure"/>).</summary>
    public int FailedClients { get; set; }
    /// <summary>Why the whole run stopped (the database unavailable, a bug); client failures never set it.</summary>
    public string? Error { get; set; }

    /// <summary>Copies what the run did from its summary; the run is finished at <paramref name="finishedAt"/>.</summary>
    public void Finish(BillingRunSummary summary, DateTimeOffset finishedAt)
    {
        (ClientsSeen, InvoicesCreated, InvoicesSkipped, InvoicesMarkedOverdue) = (summary.ClientsSeen, summary.InvoicesCreated, summary.InvoicesSkipped,
            summary.InvoicesMarkedOverdue);
        (Reconciliation, CallsFound, CallsInserted, CallsCompleted) = (summary.Reconciliation, summary.CallsFound, summary.CallsInserted, summary.CallsCompleted);
        FailedClients = summary.Failures.Select(f => f.ClientId).Distinct().Count();
        FinishedAt = finishedAt;
    }
}
