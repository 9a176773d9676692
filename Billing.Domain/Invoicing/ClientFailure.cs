namespace Billing.Domain.Invoicing;

/// <summary>
/// One client's work the billing cycle could not do (docs/decisions/0021): a statement of a step failed on that client's
/// data, so the run did everyone else's and skipped this client's. At most one open row per client and step; every
/// run retries it, counting attempts, until it succeeds and the row is resolved.
/// </summary>
public sealed class ClientFailure
{
    public Guid Id { get; set; }
    public required string ClientId { get; set; }
    /// <summary>One of <see cref="CycleSteps"/>.</summary>
    public required string Step { get; set; }
    /// <summary>The period the step was doing when it failed (<c>YYYY-MM</c>), when it was about one.</summary>
    public string? Period { get; set; }
    /// <summary>What failed, as the database or the code said it (SQLSTATE and message, no values, no secrets).</summary>
    public required string Error { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
    public DateTimeOffset LastSeenAt { get; set; }
    public int Attempts { get; set; }
    public Guid? LastRunId { get; set; }
    /// <summary>For a reconciliation failure: the start of the window whose call was refused, which later runs list again.</summary>
    public DateTimeOffset? RetryFrom { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
}

/// <summary>The steps of the cycle a client can fail in, as <see cref="ClientFailure.Step"/> names them.</summary>
public static class CycleSteps
{
    /// <summary>Computing the client's due periods from its terms (C#: zone, billing start, due date).</summary>
    public const string DuePeriods = "due periods";
    public const string Reconciliation = "reconciliation";
    public const string Attribution = "attribution";
    /// <summary>Issuing: late usage, staging, the invoice insert, numbering, taxes (the statement is named in the error).</summary>
    public const string Invoicing = "invoicing";
    public const string Overdue = "overdue";
    public const string Credit = "credit";

    public static readonly IReadOnlyList<string> All = [DuePeriods, Reconciliation, Attribution, Invoicing, Overdue, Credit];
}
