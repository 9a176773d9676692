using Billing.Domain.Clients;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Usage;

/// <summary>Housekeeping of usage rows that the billing cycle runs before invoicing.</summary>
public sealed class UsageMaintenance(BillingDbContext db, TimeProvider clock)
{
    /// <summary>
    /// Gives unattributed calls to the client their assistant (or squad, or phone number) now maps to, priced by that
    /// client's terms, so they are billed with its next invoice (the database stamps them with the current billing epoch:
    /// a call of an invoiced period then counts as late usage).
    /// </summary>
    public async Task<int> AttributeUnassignedCallsAsync(CancellationToken ct)
    {
        var candidates = await (
                from u in db.UsageLogs
                where u.ClientId == null && !u.Incomplete
                from a in db.ClientAssistants.Where(a =>
                    a.Kind == VapiResourceKind.Assistant && a.VapiId == u.VapiAssistantId
                    || a.Kind == VapiResourceKind.Squad && a.VapiId == u.VapiSquadId
                    || a.Kind == VapiResourceKind.PhoneNumber && a.VapiId == u.VapiPhoneNumberId)
                join c in db.Clients on a.ClientId equals c.ClientId
                orderby u.Id, a.Kind
                select new { Usage = u, Client = c })
            .ToListAsync(ct);

        var attributed = 0;
        foreach (var group in candidates.GroupBy(x => x.Usage.Id))
        {
            var (usage, client) = (group.First().Usage, group.First().Client);
            var price = CallPricing.Of(usage.DurationSeconds, usage.EndedReason, usage.Incomplete, CallPricing.TermsOf(client));
            usage.ClientId = client.ClientId;
            usage.BillableSeconds = price.BillableSeconds;
            usage.DurationMinutes = price.DurationMinutes;
            usage.Cost = price.Cost;
            usage.Billable = price.Billable;
            attributed++;
        }
        await db.SaveChangesAsync(ct);
        return attributed;
    }

    /// <summary>Deletes raw reports past their retention; the usage rows stay.</summary>
    public Task<int> PurgeExpiredReportsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.VapiCallReports.Where(r => r.ExpiresAt < now).ExecuteDeleteAsync(ct);
    }
}
