using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Audit;

/// <summary>One audit row as the histories show it; <c>before</c>/<c>after</c> are the stored JSON, unparsed.</summary>
public sealed record AuditRecord(long Id, DateTimeOffset OccurredAt, string Actor, string Entity, string EntityId,
    string Action, string? ClientId, Guid? InvoiceId, string? Before, string? After, string? Reason);

/// <summary>
/// Reads the audit trail, oldest change first: an invoice's (with its payments and credit notes), a client's.
/// The client view (<c>agencyView: false</c>) is what a client's own key reads: the agency's own records (API keys)
/// are left out. Which fields of a row it sees (not who made the change) is the API's client view, defined once there.
/// </summary>
public sealed class AuditHistory(BillingDbContext db)
{
    public const int MaxRows = 1000;

    /// <summary>Every change of the invoice and of what belongs to it.</summary>
    public Task<List<AuditRecord>> ForInvoiceAsync(Guid invoiceId, bool agencyView, CancellationToken ct) =>
        Project(db.AuditEntries.Where(a => a.InvoiceId == invoiceId
            || (a.Entity == AuditEntities.Invoice && a.EntityId == invoiceId.ToString())), agencyView).ToListAsync(ct);

    /// <summary>Every change of the client, its terms, invoices and payments.</summary>
    public Task<List<AuditRecord>> ForClientAsync(string clientId, bool agencyView, CancellationToken ct) =>
        Project(db.AuditEntries.Where(a => a.ClientId == clientId
            || (a.Entity == AuditEntities.Client && a.EntityId == clientId)), agencyView).ToListAsync(ct);

    private static IQueryable<AuditRecord> Project(IQueryable<AuditEntry> rows, bool agencyView) =>
        (agencyView ? rows : rows.Where(a => a.Entity != AuditEntities.ApiKey))
            .AsNoTracking().OrderBy(a => a.Id).Take(MaxRows).Select(a => new AuditRecord(a.Id, a.OccurredAt, a.Actor,
                a.Entity, a.EntityId, a.Action, a.ClientId, a.InvoiceId, a.Before, a.After, a.Reason));
}
