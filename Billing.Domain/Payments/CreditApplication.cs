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
    public async Task ApplyToOpenInvoicesAsync(CancellationToken ct)
    {
        var open = await db.Invoices.AsNoTracking()
            .Where(i => (i.Status == InvoiceStatus.Pending || i.Status == InvoiceStatus.Overdue) && i.AmountDue > 0
                && db.ClientCredits.Where(c => c.ClientId == i.ClientId && c.Currency == i.Currency).Sum(c => c.Amount) > 0)
            .OrderBy(i => i.DueDate).ThenBy(i => i.Id).Select(i => i.Id).ToListAsync(ct);
        foreach (var invoiceId in open)
        {
            await payments.ApplyCreditAsync(invoiceId, Actor.System, ct);
        }
    }
}
