using System.Text.Json;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Billing.Domain.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Payments;

/// <summary>
/// Expires an invoice's open Checkout Sessions that no longer match what is due: the invoice was paid another way (a
/// transfer, credit, a second session), part-paid, or cancelled. An outbox message (kind <see cref="Kind"/>) written in the
/// transaction that changed the money, so the call to Stripe happens after it committed and is retried until it succeeds.
/// </summary>
public sealed class StripeSessionExpiry(BillingDbContext db, IStripeCheckout stripe, IOptions<StripeOptions> options) : IOutboxHandler
{
    public const string Kind = "stripe-session-expiry";

    string IOutboxHandler.Kind => Kind;

    public string? DisabledReason => options.Value.Enabled ? null : "Stripe is not configured (Stripe:SecretKey).";

    /// <summary>
    /// Queues the expiry when the invoice has open sessions for another amount than <paramref name="amountDue"/> (all of
    /// them when nothing is payable). Call it in the transaction that changed the invoice's money or status.
    /// </summary>
    public static async Task QueueIfStaleAsync(BillingDbContext db, Invoice invoice, decimal amountDue, DateTimeOffset now, CancellationToken ct)
    {
        var payable = amountDue > 0 && invoice.Status is InvoiceStatus.Pending or InvoiceStatus.Overdue;
        var stale = await db.StripeCheckoutSessions.AnyAsync(s => s.InvoiceId == invoice.Id && s.Status == CheckoutSessionStatus.Open
            && (!payable || s.Amount != amountDue), ct);
        if (!stale)
        {
            return;
        }
        // One message per change; the handler reads what is stale when it runs, so an extra one costs a query.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO "OutboxMessage" ("kind", "key", "payload", "nextAttemptAt", "createdAt")
            VALUES ({Kind}, {$"{invoice.Id}/{Guid.CreateVersion7(now):N}"}, {JsonSerializer.Serialize(new { invoiceId = invoice.Id })}::jsonb, {now}, {now})
            ON CONFLICT ("kind", "key") DO NOTHING
            """, ct);
    }

    public async Task DeliverAsync(OutboxDelivery message, CancellationToken ct)
    {
        var invoiceId = JsonDocument.Parse(message.Payload).RootElement.GetProperty("invoiceId").GetGuid();
        var invoice = await db.Invoices.AsNoTracking().SingleOrDefaultAsync(i => i.Id == invoiceId, ct)
            ?? throw new PermanentDeliveryException($"invoice {invoiceId} does not exist");
        var payable = invoice.AmountDue > 0 && invoice.Status is InvoiceStatus.Pending or InvoiceStatus.Overdue;
        var stale = await db.StripeCheckoutSessions
            .Where(s => s.InvoiceId == invoiceId && s.Status == CheckoutSessionStatus.Open && (!payable || s.Amount != invoice.AmountDue))
            .ToListAsync(ct);
        foreach (var session in stale)
        {
            // Not open any more at Stripe (completed or expired meanwhile) ends the same way here: it is never handed out
            // again; a completion still arriving is recorded by the webhook on its own.
            await stripe.ExpireSessionAsync(session.Id, ct);
            session.Status = CheckoutSessionStatus.Expired;
            await db.SaveChangesAsync(ct);
        }
    }
}
