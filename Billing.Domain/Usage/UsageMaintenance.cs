using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Usage;

/// <summary>Housekeeping of usage rows that the billing cycle runs before invoicing.</summary>
public sealed class UsageMaintenance(BillingDbContext db, TimeProvider clock)
{
    /// <summary>
    /// Gives unattributed calls to the client their assistant (or squad, or phone number) now maps to, priced by that
    /// client's terms in force at the call's start, so they are billed with its next invoice (the database stamps them with the current billing epoch:
    /// a call of an invoiced period then counts as late usage). The calls of a client whose terms cannot price them, or
    /// whose rows the database refuses, stay unattributed and are handed to <paramref name="failed"/> (without it, thrown);
    /// every other client's are attributed (docs/decisions/0021).
    /// </summary>
    public async Task<int> AttributeUnassignedCallsAsync(CancellationToken ct, Action<string, Exception>? failed = null)
    {
        var matches = await db.Database.SqlQueryRaw<Attribution>(UnattributedCallsSql).ToListAsync(ct);
        if (matches.Count == 0)
        {
            return 0;
        }
        var byClient = matches.GroupBy(m => m.ClientId).ToList();
        if (failed is null)
        {
            return await AttributeAsync(byClient, ct);
        }
        return (await Invoicing.ClientIsolation.EachAsync(byClient, clients => AttributeAsync(clients, ct), (c, e) => failed(c.Key, e),
            db.ChangeTracker.Clear, ct)).Sum();
    }

    private async Task<int> AttributeAsync(IReadOnlyList<IGrouping<string, Attribution>> byClient, CancellationToken ct)
    {
        var callIds = byClient.SelectMany(g => g).Select(m => m.UsageId).ToList();
        var clientIds = byClient.Select(g => g.Key).ToList();
        var calls = await db.UsageLogs.Where(u => callIds.Contains(u.Id)).ToDictionaryAsync(u => u.Id, ct);
        var clients = await db.Clients.Where(c => clientIds.Contains(c.ClientId)).ToDictionaryAsync(c => c.ClientId, ct);
        var terms = (await db.ClientTerms.AsNoTracking().Where(t => clientIds.Contains(t.ClientId)).ToListAsync(ct))
            .GroupBy(t => t.ClientId).ToDictionary(g => g.Key, g => new Clients.TermsHistory(g));

        foreach (var (usageId, clientId) in byClient.SelectMany(g => g))
        {
            var (usage, client) = (calls[usageId], clients[clientId]);
            var price = CallPricing.Of(usage.DurationSeconds, usage.EndedReason, usage.Incomplete, CallPricing.TermsOf(client, terms[clientId].At(usage.OccurredAt)));
            usage.ClientId = client.ClientId;
            usage.BillableSeconds = price.BillableSeconds;
            usage.DurationMinutes = price.DurationMinutes;
            usage.Cost = price.Cost;
            usage.Billable = price.Billable;
        }
        await db.SaveChangesAsync(ct);
        return callIds.Count;
    }

    private sealed record Attribution(Guid UsageId, string ClientId);

    /// <summary>Each unattributed complete call with the client it now maps to; a constant statement, no input in it. It
    /// reads no terms (C# prices the calls), so no client's time zone can fail it for the others.</summary>
    private static readonly string UnattributedCallsSql = $"""
        SELECT u."id" AS "UsageId", o."clientId" AS "ClientId"
        FROM "UsageLog" u
        CROSS JOIN LATERAL ({CallAttribution.OwnerSql("u.\"vapiAssistantId\"", "u.\"vapiSquadId\"", "u.\"vapiPhoneNumberId\"")}) o
        WHERE u."clientId" IS NULL AND NOT u."incomplete"
        """;

    /// <summary>Deletes raw reports past their retention; the usage rows stay.</summary>
    public Task<int> PurgeExpiredReportsAsync(CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        return db.VapiCallReports.Where(r => r.ExpiresAt < now).ExecuteDeleteAsync(ct);
    }
}
