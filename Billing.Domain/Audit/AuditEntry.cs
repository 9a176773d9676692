namespace Billing.Domain.Audit;

/// <summary>
/// One change, as the append-only "AuditLog" table keeps it: who, when, which entity, its state before and after
/// (JSON), and why. Rows are only ever inserted: a trigger refuses UPDATE, DELETE and TRUNCATE, and the app's
/// database role holds only SELECT and INSERT on the table (infra/sql/app-role.sql).
/// </summary>
public sealed class AuditEntry
{
    /// <summary>Ascending in insertion order, so a history reads in the order the changes were written.</summary>
    public long Id { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    /// <summary><see cref="Actor.Name"/>: <c>key:&lt;id&gt;</c>, <c>cli:&lt;os user&gt;</c>, <c>stripe</c> or <c>system</c>.</summary>
    public string Actor { get; set; } = "";
    /// <summary>One of <see cref="AuditEntities"/>.</summary>
    public string Entity { get; set; } = "";
    public string EntityId { get; set; } = "";
    /// <summary>What happened, in a word or two: <c>created</c>, <c>status</c>, <c>refunded</c>, <c>revoked</c>...</summary>
    public string Action { get; set; } = "";
    /// <summary>The client the change belongs to, so a client's history (and a client key) finds it.</summary>
    public string? ClientId { get; set; }
    /// <summary>The invoice the change belongs to (the invoice itself, or its payment or credit note).</summary>
    public Guid? InvoiceId { get; set; }
    /// <summary>JSON of the changed fields before the change; null for a creation.</summary>
    public string? Before { get; set; }
    /// <summary>JSON of the changed fields after the change; null for a removal.</summary>
    public string? After { get; set; }
    public string? Reason { get; set; }
}

/// <summary>The entity names the audit trail uses, one per kind of audited thing.</summary>
public static class AuditEntities
{
    public const string Invoice = "invoice";
    public const string Payment = "payment";
    public const string Client = "client";
    public const string Issuer = "issuer";
    public const string ApiKey = "apiKey";
    public const string CreditNote = "creditNote";
    public const string ClientCredit = "clientCredit";
    public const string VatRate = "vatRate";
}
