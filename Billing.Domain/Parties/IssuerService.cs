using Billing.Domain.Audit;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Billing.Domain.Parties;

/// <summary>Reads and sets the one issuer row; every change is audited in the transaction that makes it.</summary>
public sealed class IssuerService(BillingDbContext db, AuditTrail audit)
{
    public Task<Issuer?> FindAsync(CancellationToken ct) =>
        db.Issuers.AsNoTracking().SingleOrDefaultAsync(i => i.Id == Issuer.SingleId, ct);

    /// <summary>
    /// Replaces the issuer with <paramref name="details"/> (refused field by field when incomplete or invalid) and
    /// records who changed what. Invoices issued before keep their copy; the next ones carry the new details.
    /// </summary>
    public async Task<Issuer> SetAsync(IssuerDetails details, Actor actor, CancellationToken ct)
    {
        var normalized = details.Normalized();
        normalized.Validate().ThrowIfAny();
        try
        {
            return await SaveAsync(normalized, actor, ct);
        }
        catch (DbUpdateException e) when (e.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // Two first settings at once: the other one created the row, so this one is a change of it.
            db.ChangeTracker.Clear();
            return await SaveAsync(normalized, actor, ct);
        }
    }

    private async Task<Issuer> SaveAsync(IssuerDetails details, Actor actor, CancellationToken ct)
    {
        var issuer = await db.Issuers.SingleOrDefaultAsync(i => i.Id == Issuer.SingleId, ct);
        var before = issuer?.ToDetails();
        if (before is not null && before == details.ApplyTo(null).ToDetails())
        {
            return issuer!; // nothing changes, nothing to audit
        }
        var created = issuer is null;
        issuer = details.ApplyTo(issuer);
        if (created)
        {
            db.Issuers.Add(issuer);
        }
        audit.Record(actor, AuditEntities.Issuer, Issuer.SingleId.ToString(System.Globalization.CultureInfo.InvariantCulture), before,
            issuer.ToDetails(), created ? "created" : "changed");
        await db.SaveChangesAsync(ct);
        return issuer;
    }
}
