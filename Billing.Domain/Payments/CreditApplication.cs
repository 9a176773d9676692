using Billing.Domain.Audit;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Payments;

/// <summary>
/// Credit application: a client's credit (an overpayment's excess, <see cref="ClientCredit"/>) goes to its open
/// invoices in the same currency, earliest due first, as their prepaid amount. The cycle runs it after issuing, so a
/// new invoice is paid from credit the same run.
/// </summary>
public sealed class CreditApplication(BillingDbContext db, PaymentService payments)
{
    /// <summary>Applies credit to every open invoice; an invoice whose application fails on its data is handed to
    /// <paramref name="failed"/> (with its client) and the others still get theirs (docs/decisions/0021).</summary>
    public async Task ApplyToOpenInvoicesAsync(CancellationToken ct, Action<string, Exception>? failed = null)
    {
        var open = await db.Invoices.AsNoTracking()
            .Where(i => (i.Status == InvoiceStatus.Pending || i.Status == InvoiceStatus.Overdue) && i.AmountDue > 0
                && db.ClientCredits.Where(c => c.ClientId == i.ClientId && c.Currency == i.Currency).Sum(c => c.Amount) > 0)
            .OrderBy(i => i.DueDate).ThenBy(i => i.Id).Select(i => new { i.Id, i.ClientId }).ToListAsync(ct);
        foreach (var invoice in open)
        {
            if (failed is null)
            {
                await payments.ApplyCreditAsync(invoice.Id, Actor.System, ct);
                continue;
            }
            await ClientIsolation.EachAsync([invoice.ClientId], _ => payments.ApplyCreditAsync(invoice.Id, Actor.System, ct), failed,
                db.ChangeTracker.Clear, ct);
        }
    }
}
