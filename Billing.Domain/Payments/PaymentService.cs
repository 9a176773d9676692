using Billing.Domain.Audit;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Payments;

/// <summary>Records payments against invoices; an invoice becomes PAID when its completed payments cover its total.</summary>
public sealed class PaymentService(BillingDbContext db, AuditTrail audit, TimeProvider clock)
{
    public sealed record NewPayment(Guid InvoiceId, decimal Amount, string? Currency, PaymentMethod Method, PaymentStatus Status,
        string? TransactionId, DateTimeOffset? PaidAt);

    public enum Outcome { Recorded, AlreadyRecorded, InvoiceNotFound, Refused }

    public sealed record Result(Outcome Outcome, Payment? Payment, string? Reason = null);

    /// <summary>
    /// Records a payment once: a repeated <see cref="NewPayment.TransactionId"/> returns the payment already
    /// recorded, unchanged. The invoice row is locked while its payments are summed, so two payments at once
    /// cannot both miss the moment it is paid. The payment and any change of the invoice's status are audited as
    /// <paramref name="actor"/>'s, in the same transaction.
    /// </summary>
    public async Task<Result> RecordAsync(NewPayment request, Actor actor, CancellationToken ct)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var invoice = await db.Invoices.FromSql($"""SELECT * FROM "Factura" WHERE "id" = {request.InvoiceId} FOR UPDATE""").SingleOrDefaultAsync(ct);
        if (invoice is null)
        {
            return new Result(Outcome.InvoiceNotFound, null);
        }
        if (request.TransactionId is not null
            && await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.TransactionId == request.TransactionId, ct) is { } existing)
        {
            return existing.InvoiceId == request.InvoiceId
                ? new Result(Outcome.AlreadyRecorded, existing)
                : new Result(Outcome.Refused, null, $"Transaction '{request.TransactionId}' is already recorded against another invoice.");
        }
        if (request.Amount <= 0 || decimal.Round(request.Amount, 2) != request.Amount)
        {
            return new Result(Outcome.Refused, null, "The amount must be positive, with at most 2 decimals.");
        }
        if (request.Currency is not null && request.Currency != invoice.Currency)
        {
            return new Result(Outcome.Refused, null, $"The invoice is in {invoice.Currency}, not {request.Currency}.");
        }
        if (invoice.Status == InvoiceStatus.Cancelled)
        {
            return new Result(Outcome.Refused, null, "The invoice is cancelled.");
        }

        var now = clock.GetUtcNow();
        var payment = new Payment
        {
            InvoiceId = invoice.Id,
            Amount = request.Amount,
            Currency = invoice.Currency,
            Method = request.Method,
            Status = request.Status,
            TransactionId = request.TransactionId,
            PaidAt = request.Status == PaymentStatus.Completed ? (request.PaidAt ?? now).ToUniversalTime() : request.PaidAt?.ToUniversalTime(),
        };
        db.Payments.Add(payment);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // The same transaction recorded at this moment against another invoice (same invoice: the row lock orders them).
            return new Result(Outcome.Refused, null, $"Transaction '{request.TransactionId}' is already recorded against another invoice.");
        }

        audit.Record(actor, AuditEntities.Payment, payment.Id.ToString(), null,
            new { payment.Amount, payment.Currency, payment.Method, payment.Status, payment.TransactionId, payment.PaidAt },
            "created", invoice.ClientId, invoice.Id);
        var paid = await db.Payments.Where(p => p.InvoiceId == invoice.Id && p.Status == PaymentStatus.Completed).SumAsync(p => p.Amount, ct);
        if (invoice.Status is InvoiceStatus.Pending or InvoiceStatus.Overdue && paid >= invoice.Total)
        {
            var before = new { invoice.Status, invoice.PaidAt };
            invoice.Status = InvoiceStatus.Paid;
            invoice.PaidAt = payment.PaidAt ?? now;
            audit.Record(actor, AuditEntities.Invoice, invoice.Id.ToString(), before, new { invoice.Status, invoice.PaidAt },
                "status", invoice.ClientId, invoice.Id, $"Completed payments {paid} {invoice.Currency} cover the total {invoice.Total}.");
        }
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return new Result(Outcome.Recorded, payment);
    }
}
