using Billing.Domain.Data;
using Billing.Domain.Payments;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Invoicing;

/// <summary>Everyday reads of invoices and payments, including the seed README's monitoring queries.</summary>
public sealed class InvoiceQueries(BillingDbContext db)
{
    public Task<List<Invoice>> ListAsync(InvoiceStatus? status, string? period, string? clientId, CancellationToken ct) =>
        db.Invoices.AsNoTracking().Include(i => i.LateUsage)
            .Where(i => (status == null || i.Status == status) && (period == null || i.Period == period) && (clientId == null || i.ClientId == clientId))
            // By length first: numbers grow past six digits, and "…-1000000" must not sort before "…-999999".
            .OrderBy(i => i.Period).ThenBy(i => i.Number!.Length).ThenBy(i => i.Number).ThenBy(i => i.ClientId)
            .ToListAsync(ct);

    /// <summary>The seed's "check invoice generation" monitor.</summary>
    public Task<List<Invoice>> RecentAsync(DateTimeOffset since, CancellationToken ct) =>
        db.Invoices.AsNoTracking().Where(i => i.CreatedAt > since).OrderByDescending(i => i.CreatedAt).ToListAsync(ct);

    /// <summary>The seed's "top clients by usage" monitor.</summary>
    public Task<List<Invoice>> TopClientsAsync(string period, int limit, CancellationToken ct) =>
        db.Invoices.AsNoTracking().Where(i => i.Period == period).OrderByDescending(i => i.Total).Take(limit).ToListAsync(ct);

    /// <summary>The seed's "failed payments" monitor.</summary>
    public Task<List<Payment>> FailedPaymentsAsync(CancellationToken ct) =>
        db.Payments.AsNoTracking().Where(p => p.Status == PaymentStatus.Failed).OrderByDescending(p => p.CreatedAt).ToListAsync(ct);
}
