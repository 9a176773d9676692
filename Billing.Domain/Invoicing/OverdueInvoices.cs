using Billing.Domain.Audit;
using Billing.Domain.Data;
using Microsoft.Extensions.Logging;

namespace Billing.Domain.Invoicing;

/// <summary>
/// Overdue marking: PENDING invoices whose due date has passed in the issuer's calendar become OVERDUE. Each change is
/// audited as the app's (<see cref="Actor.System"/>) in the same statement, so the status and its audit row commit
/// together.
/// </summary>
public sealed class OverdueInvoices(BillingDbContext db, TimeProvider clock, ILogger<OverdueInvoices> logger)
{
    /// <summary>The cycle's marking: in one statement; if that fails on data, in parts down to single clients, each
    /// failing client recorded in <paramref name="failures"/> (docs/decisions/0021).</summary>
    public async Task<int> MarkIsolatedAsync(DateTimeOffset asOf, CycleFailures failures, CancellationToken ct)
    {
        try
        {
            return await ClientIsolation.RetryConflictsAsync(() => MarkAsync(asOf, ct), db.ChangeTracker.Clear, ct);
        }
        catch (Exception e) when (ClientIsolation.IsDataFailure(e, ct))
        {
            logger.LogWarning("Overdue marking failed ({Reason}); marking in parts", ClientFailures.Describe(e));
            return (await ClientIsolation.EachAsync(await ClientsAsync(asOf, ct), clients => MarkAsync(asOf, ct, clients),
                (clientId, error) => failures.Add(clientId, CycleSteps.Overdue, null, error), db.ChangeTracker.Clear, ct)).Sum();
        }
    }

    /// <summary>The clients with invoices to mark overdue as of <paramref name="asOf"/> (to mark them in parts when
    /// marking them all at once failed on one's data).</summary>
    public Task<List<string>> ClientsAsync(DateTimeOffset asOf, CancellationToken ct) => new Sql("""
        SELECT DISTINCT f."clientId" FROM "Factura" f
        WHERE f."status" = 'PENDING' AND f."dueDate" < (@as_of AT TIME ZONE @issuer_zone)::date ORDER BY 1
        """).With("as_of", asOf).With("issuer_zone", IssuerCalendar.ZoneId).ListAsync(db, r => r.GetString(0), ct);

    /// <summary>Marks every invoice (of <paramref name="clients"/>, or of all clients) overdue as of <paramref name="asOf"/>;
    /// returns how many changed.</summary>
    public Task<int> MarkAsync(DateTimeOffset asOf, CancellationToken ct, IReadOnlyCollection<string>? clients = null) => new Sql("""
        WITH overdue AS (
            UPDATE "Factura" f SET "status" = 'OVERDUE'
            WHERE f."status" = 'PENDING' AND f."dueDate" < (@as_of AT TIME ZONE @issuer_zone)::date
              AND (@client_ids::text[] IS NULL OR f."clientId" = ANY(@client_ids))
            RETURNING f."id", f."clientId", f."dueDate"
        )
        INSERT INTO "AuditLog" ("occurredAt", "actor", "entity", "entityId", "action", "clientId", "invoiceId", "before", "after", "reason")
        SELECT @now, @actor, @entity, o."id"::text, 'status', o."clientId", o."id",
               '{"status":"Pending"}'::jsonb, '{"status":"Overdue"}'::jsonb, 'Due date ' || to_char(o."dueDate", 'YYYY-MM-DD') || ' has passed.'
        FROM overdue o
        """).With("as_of", asOf).With("issuer_zone", IssuerCalendar.ZoneId).With("now", clock.GetUtcNow()).With("actor", Actor.System.Name).With("entity", AuditEntities.Invoice)
        .With("client_ids", clients?.ToArray()).ExecuteAsync(db, ct);
}
