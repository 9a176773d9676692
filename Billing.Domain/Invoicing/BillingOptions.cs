using System.ComponentModel.DataAnnotations;

namespace Billing.Domain.Invoicing;

/// <summary>The billing cycle's settings (<c>Billing</c>).</summary>
public sealed class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>A period is invoiced this long after it closes, so late webhooks land first.</summary>
    [Range(0, 168)]
    public double GraceHours { get; set; } = 6;

    /// <summary>Invoice number series: <c>VAI</c> gives <c>VAI-2025-000123</c>.</summary>
    [RegularExpression("^[A-Z0-9]{1,10}$", ErrorMessage = "Billing:InvoiceSeries must be 1-10 capital letters or digits.")]
    public string InvoiceSeries { get; set; } = "VAI";

    /// <summary>Clients per set-based statement. Each batch reads the due periods' calls once, so fewer, larger batches
    /// are faster; 20,000 invoices still make a short transaction.</summary>
    [Range(1, 50_000)]
    public int BatchSize { get; set; } = 20_000;

    public bool ReconciliationEnabled { get; set; } = true;

    /// <summary>Reconcile at least this often, even when nothing is due.</summary>
    [Range(1, 168)]
    public int ReconciliationIntervalHours { get; set; } = 24;
}

public sealed record BillingRunRequest(DateTimeOffset AsOf, string Trigger, string? ClientId = null, bool DryRun = false);

/// <summary>An invoice as issued (or as it would be, in a dry run or a preview).</summary>
public sealed record InvoiceDraft(Guid Id, string? Number, string ClientId, string Period, DateOnly? PeriodStart, DateOnly? PeriodEnd,
    decimal Minutes, int TotalCalls, int SuccessfulCalls, decimal MinutesAmount, decimal FixedFee, decimal LateUsageAmount,
    decimal Total, string Currency, DateOnly DueDate, bool Reconciled, IReadOnlyList<LateUsageLine> LateUsage);

public sealed record LateUsageLine(string OriginalPeriod, int Calls, decimal Minutes, decimal Amount);

public sealed record BillingRunSummary(Guid? RunId, DateTimeOffset AsOf, bool DryRun, int ClientsSeen, int InvoicesCreated,
    int InvoicesSkipped, int InvoicesMarkedOverdue, string Reconciliation, int CallsFound, int CallsInserted, int CallsCompleted,
    TimeSpan Duration, IReadOnlyList<InvoiceDraft> Invoices)
{
    /// <summary>The clients whose work this run skipped, by step (docs/decisions/0021); empty when every client was done.</summary>
    public IReadOnlyList<ClientFailureReport> Failures { get; init; } = [];

    /// <summary>Numbers of the series held by invoices made by hand, which this run skipped.</summary>
    public IReadOnlyList<string> SkippedNumbers { get; init; } = [];
}
