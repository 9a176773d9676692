using Billing.Domain.Clients;
using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Invoicing;

/// <summary>
/// Reads what <see cref="DuePeriods"/> decides on (each client, its terms history and its last invoice) and asks it
/// which periods are due; the one place the cycle and the preview load period state from.
/// </summary>
public sealed class DuePeriodQuery(BillingDbContext db, IOptions<BillingOptions> options)
{
    /// <summary>Every closed period not invoiced yet, per active client, in (period start, client) order. A client whose
    /// periods cannot be computed (a zone .NET does not know, a due date past the calendar) is left out and handed to
    /// <paramref name="failed"/>; without it, the error is thrown.</summary>
    public async Task<List<DuePeriod>> DueAsync(string? clientId, DateTimeOffset asOf, CancellationToken ct, Action<string, Exception>? failed = null)
    {
        var clients = await db.Clients.AsNoTracking()
            .Where(c => c.Active && (clientId == null || c.ClientId == clientId))
            .Select(c => new
            {
                Client = c,
                Last = db.Invoices.Where(i => i.ClientId == c.ClientId).OrderByDescending(i => i.Period)
                    .Select(i => new LastInvoice(i.Period, i.PeriodEnd, i.UsageEpoch)).FirstOrDefault(),
            })
            .ToListAsync(ct);
        var terms = (await db.ClientTerms.AsNoTracking().Where(t => clientId == null || t.ClientId == clientId).ToListAsync(ct))
            .GroupBy(t => t.ClientId).ToDictionary(g => g.Key, g => new TermsHistory(g));
        var grace = TimeSpan.FromHours(options.Value.GraceHours);
        var due = new List<DuePeriod>();
        foreach (var c in clients)
        {
            try
            {
                due.AddRange(DuePeriods.Of(c.Client, terms[c.Client.ClientId], c.Last, asOf, grace));
            }
            catch (Exception e) when (failed is not null && e is not OperationCanceledException)
            {
                failed(c.Client.ClientId, e);
            }
        }
        return due.OrderBy(d => d.Period.Start).ThenBy(d => d.Client.ClientId, StringComparer.Ordinal).ToList();
    }

    /// <summary>The open period of one client at <paramref name="now"/> (active or not), or null for an unknown client.</summary>
    public async Task<DuePeriod?> OpenAsync(string clientId, DateTimeOffset now, CancellationToken ct)
    {
        var client = await db.Clients.AsNoTracking().SingleOrDefaultAsync(c => c.ClientId == clientId, ct);
        if (client is null)
        {
            return null;
        }
        var last = await db.Invoices.Where(i => i.ClientId == clientId).OrderByDescending(i => i.Period)
            .Select(i => new LastInvoice(i.Period, i.PeriodEnd, i.UsageEpoch)).FirstOrDefaultAsync(ct);
        var history = new TermsHistory(await db.ClientTerms.AsNoTracking().Where(t => t.ClientId == clientId).ToListAsync(ct));
        return DuePeriods.Open(client, history, last, now);
    }
}
