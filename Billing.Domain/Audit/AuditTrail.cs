using System.Text.Json;
using Billing.Domain.Data;

namespace Billing.Domain.Audit;

/// <summary>
/// The writer of the audit trail. <see cref="Record"/> adds the row to the caller's <see cref="BillingDbContext"/>,
/// so it is written by the caller's own <c>SaveChangesAsync</c>, inside the caller's transaction: the change and its
/// audit row commit together or not at all. Code that changes rows with raw SQL inserts into "AuditLog" in the same
/// transaction instead (columns in <see cref="AuditEntry"/>; see docs/decisions/0016-append-only-audit-trail.md).
/// </summary>
/// <example>
/// <code>
/// var before = new { invoice.Status };
/// invoice.Status = InvoiceStatus.Paid;
/// audit.Record(actor, AuditEntities.Invoice, invoice.Id.ToString(), before, new { invoice.Status },
///     clientId: invoice.ClientId, invoiceId: invoice.Id, action: "status");
/// await db.SaveChangesAsync(ct);
/// </code>
/// </example>
public sealed class AuditTrail(BillingDbContext db, TimeProvider clock)
{
    /// <summary>camelCase, enums as their names: the JSON a reader of the history sees.</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>
    /// Adds one audit row to the context (nothing is written until the caller saves). <paramref name="before"/> and
    /// <paramref name="after"/> are the changed fields (an anonymous object or a record), null for "did not exist".
    /// </summary>
    public AuditEntry Record(Actor actor, string entity, string entityId, object? before, object? after,
        string action, string? clientId = null, Guid? invoiceId = null, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(actor);
        ArgumentException.ThrowIfNullOrWhiteSpace(entity);
        ArgumentException.ThrowIfNullOrWhiteSpace(entityId);
        ArgumentException.ThrowIfNullOrWhiteSpace(action);
        var entry = new AuditEntry
        {
            OccurredAt = clock.GetUtcNow(),
            Actor = actor.Name,
            Entity = entity,
            EntityId = entityId,
            Action = action,
            ClientId = clientId,
            InvoiceId = invoiceId,
            Before = before is null ? null : JsonSerializer.Serialize(before, Json),
            After = after is null ? null : JsonSerializer.Serialize(after, Json),
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim(),
        };
        db.AuditEntries.Add(entry);
        return entry;
    }
}
