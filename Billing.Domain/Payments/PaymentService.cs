using Billing.Domain.Audit;
using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Billing.Domain.Payments;

/// <summary>
/// Moves money on an invoice: records payments, completes or fails pending ones, refunds, and applies client credit.
/// Every change runs with the invoice row locked (<c>FOR UPDATE</c>), so twenty payments at once, or a refund racing a
/// payment, are applied one after the other and the invoice's status is computed from what is committed. The change,
/// the invoice status it causes and their audit rows are written in one transaction (the caller's, when it has one:
/// an idempotent request stores its answer in it too).
/// </summary>
/// <remarks>
/// Invoice money is kept in one place (<see cref="SettleAsync"/>): <c>amountPaid</c> = completed payments − refunds −
/// what of them became client credit; <c>creditApplied</c> = client credit consumed by the invoice; the database
/// computes <c>amountDue</c> = total − creditedAmount (credit notes) − amountPaid − creditApplied and refuses it below 0. PAID exactly when amountDue is
/// 0; a refund that reopens a PAID invoice makes it PENDING, or OVERDUE when its due date has passed in the client's zone.
/// </remarks>
public sealed class PaymentService(BillingDbContext db, AuditTrail audit, TimeProvider clock)
{
    /// <param name="Received">Money that has already moved and cannot be refused (a card payment Stripe took): an excess
    /// becomes client credit even when the client takes none, a cancelled invoice takes all of it as credit, and either
    /// flags the invoice for review.</param>
    public sealed record NewPayment(Guid InvoiceId, decimal Amount, string? Currency, PaymentMethod Method, PaymentStatus Status,
        string? TransactionId, DateTimeOffset? PaidAt, string? Reference = null, bool Received = false, string? Reason = null);

    public sealed record NewRefund(Guid PaymentId, decimal Amount, string? Reason, string? TransactionId);

    public enum Outcome
    {
        Recorded,
        /// <summary>The same transaction id was recorded before: nothing changed.</summary>
        AlreadyRecorded,
        /// <summary>The payment already had the asked-for status: nothing changed.</summary>
        Unchanged,
        InvoiceNotFound,
        PaymentNotFound,
        /// <summary>Input the rules refuse (422): <see cref="Result.Field"/> names what is wrong.</summary>
        Refused,
        /// <summary>The payment's state does not allow it (409).</summary>
        Conflict,
    }

    public sealed record Result(Outcome Outcome, Payment? Payment, Invoice? Invoice = null, string? Reason = null, string? Field = null)
    {
        public static Result Refuse(string field, string reason) => new(Outcome.Refused, null, null, reason, field);
    }

    /// <summary>What a payment may become: a PENDING payment completes or fails; anything else is final (refund a COMPLETED one).</summary>
    public static IReadOnlyList<PaymentStatus> AllowedTransitions(Payment payment) =>
        payment.RefundOf is null && payment.Status == PaymentStatus.Pending ? [PaymentStatus.Completed, PaymentStatus.Failed] : [];

    /// <summary>
    /// Records a payment once: a repeated <see cref="NewPayment.TransactionId"/> returns the payment already recorded,
    /// unchanged. A completed payment larger than the amount due is refused unless the client allows credit; then the
    /// excess becomes the client's credit. Nothing is written when it is refused.
    /// </summary>
    public async Task<Result> RecordAsync(NewPayment request, Actor actor, CancellationToken ct)
    {
        await using var transaction = await OwnTransactionAsync(ct);
        var invoice = await LockInvoiceAsync(request.InvoiceId, ct);
        if (invoice is null)
        {
            return new Result(Outcome.InvoiceNotFound, null);
        }
        if (request.TransactionId is not null
            && await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.TransactionId == request.TransactionId, ct) is { } existing)
        {
            return existing.InvoiceId == request.InvoiceId && existing.RefundOf is null
                ? new Result(Outcome.AlreadyRecorded, existing, invoice)
                : Result.Refuse("transactionId", $"Transaction '{request.TransactionId}' is already recorded for another payment.");
        }
        if (AmountProblem(request.Amount) is { } amountProblem)
        {
            return Result.Refuse("amount", amountProblem);
        }
        if (request.Currency is not null && request.Currency != invoice.Currency)
        {
            return Result.Refuse("currency", $"The invoice is in {invoice.Currency}, not {request.Currency}.");
        }
        if (invoice.Status == InvoiceStatus.Cancelled && !(request.Received && request.Status == PaymentStatus.Completed))
        {
            return Result.Refuse("invoiceId", "The invoice is cancelled: it takes no payments.");
        }
        if (request.Status == PaymentStatus.Refunded)
        {
            return Result.Refuse("status", "A refund is recorded with POST /api/payments/{id}/refunds.");
        }
        var excess = 0m;
        if (request.Status == PaymentStatus.Completed && await ExcessAsync(invoice, request.Amount, ct) is var (over, refusal))
        {
            if (refusal is not null && !request.Received)
            {
                return Result.Refuse("amount", refusal);
            }
            excess = over;
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
            Reference = string.IsNullOrWhiteSpace(request.Reference) ? null : request.Reference.Trim(),
            Reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(),
            PaidAt = request.Status == PaymentStatus.Completed ? (request.PaidAt ?? now).ToUniversalTime() : request.PaidAt?.ToUniversalTime(),
        };
        if (!await TrySaveNewAsync(payment, ct))
        {
            // The same transaction recorded at this moment for another invoice (same invoice: the row lock orders them).
            return Result.Refuse("transactionId", $"Transaction '{request.TransactionId}' is already recorded for another payment.");
        }
        audit.Record(actor, AuditEntities.Payment, payment.Id.ToString(), null, Snapshot(payment), "created", invoice.ClientId, invoice.Id);
        if (excess > 0)
        {
            AddCredit(actor, invoice, excess, payment.Id, null, $"Overpayment of invoice {invoice.Number ?? invoice.Id.ToString()}.");
            if (request.Received)
            {
                FlagForReview(invoice, actor, invoice.Status == InvoiceStatus.Cancelled
                    ? $"{Money.Text(request.Amount, invoice.Currency)} paid ({payment.TransactionId}) after the invoice was cancelled: all of it is client credit."
                    : $"{Money.Text(request.Amount, invoice.Currency)} paid ({payment.TransactionId}) when {Money.Text(request.Amount - excess, invoice.Currency)} " +
                      $"was due: {Money.Text(excess, invoice.Currency)} became client credit.");
            }
        }
        await SettleAsync(invoice, actor, payment.PaidAt, ct);
        await db.SaveChangesAsync(ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return new Result(Outcome.Recorded, payment, invoice);
    }

    /// <summary>
    /// Marks an invoice for a person to look at (<c>reviewReason</c>, shown on the invoice and listed by
    /// <c>GET /api/invoices?review=true</c>): money arrived or left that the rules could not place on their own.
    /// Returns false when the invoice does not exist.
    /// </summary>
    public async Task<bool> FlagForReviewAsync(Guid invoiceId, string reason, Actor actor, CancellationToken ct)
    {
        await using var transaction = await OwnTransactionAsync(ct);
        var invoice = await LockInvoiceAsync(invoiceId, ct);
        if (invoice is null)
        {
            return false;
        }
        FlagForReview(invoice, actor, reason);
        await db.SaveChangesAsync(ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return true;
    }

    /// <summary>An operator has looked at the invoice: its <c>reviewReason</c> is cleared (audited). False when it does not exist.</summary>
    public async Task<bool> ClearReviewAsync(Guid invoiceId, Actor actor, CancellationToken ct)
    {
        await using var transaction = await OwnTransactionAsync(ct);
        var invoice = await LockInvoiceAsync(invoiceId, ct);
        if (invoice is null)
        {
            return false;
        }
        if (invoice.ReviewReason is { } before)
        {
            invoice.ReviewReason = null;
            audit.Record(actor, AuditEntities.Invoice, invoice.Id.ToString(), new { ReviewReason = before }, new { ReviewReason = (string?)null },
                "reviewed", invoice.ClientId, invoice.Id);
            await db.SaveChangesAsync(ct);
        }
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return true;
    }

    /// <summary>PATCH: PENDING → COMPLETED (money counts from now, with the overpayment rule) or FAILED; anything else is a conflict.</summary>
    public async Task<Result> ChangeStatusAsync(Guid paymentId, PaymentStatus status, string? reason, DateTimeOffset? paidAt, Actor actor,
        CancellationToken ct)
    {
        await using var transaction = await OwnTransactionAsync(ct);
        var (payment, invoice) = await LockPaymentAsync(paymentId, ct);
        if (payment is null || invoice is null)
        {
            return new Result(Outcome.PaymentNotFound, null);
        }
        if (payment.Status == status)
        {
            return new Result(Outcome.Unchanged, payment, invoice);
        }
        var allowed = AllowedTransitions(payment);
        if (!allowed.Contains(status))
        {
            var names = allowed.Count == 0 ? "none" : string.Join(", ", allowed.Select(s => TextEnum.ToText(s, TextCase.Upper)));
            var hint = payment.Status == PaymentStatus.Completed && payment.RefundOf is null ? " Refund it with POST /api/payments/{id}/refunds." : "";
            return new Result(Outcome.Conflict, payment, invoice,
                $"A {TextEnum.ToText(payment.Status, TextCase.Upper)} {(payment.RefundOf is null ? "payment" : "refund")} cannot become " +
                $"{TextEnum.ToText(status, TextCase.Upper)}; allowed: {names}.{hint}", "status");
        }
        var excess = 0m;
        if (status == PaymentStatus.Completed)
        {
            if (invoice.Status == InvoiceStatus.Cancelled)
            {
                return Result.Refuse("status", "The invoice is cancelled: it takes no payments.");
            }
            if (await ExcessAsync(invoice, payment.Amount, ct) is var (over, refusal) && refusal is not null)
            {
                return Result.Refuse("status", refusal);
            }
            else
            {
                excess = over;
            }
        }

        var before = Snapshot(payment);
        payment.Status = status;
        payment.Reason = string.IsNullOrWhiteSpace(reason) ? payment.Reason : reason.Trim();
        if (status == PaymentStatus.Completed)
        {
            payment.PaidAt = (paidAt ?? clock.GetUtcNow()).ToUniversalTime();
        }
        audit.Record(actor, AuditEntities.Payment, payment.Id.ToString(), before, Snapshot(payment), "status", invoice.ClientId, invoice.Id, reason);
        await db.SaveChangesAsync(ct);
        if (excess > 0)
        {
            AddCredit(actor, invoice, excess, payment.Id, null, $"Overpayment of invoice {invoice.Number ?? invoice.Id.ToString()}.");
        }
        await SettleAsync(invoice, actor, payment.PaidAt, ct);
        await db.SaveChangesAsync(ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return new Result(Outcome.Recorded, payment, invoice);
    }

    /// <summary>
    /// Refunds part or all of a COMPLETED payment as a new REFUNDED row (<c>refundOf</c>); the payment stays COMPLETED.
    /// What of the payment became client credit is taken back first (as far as it is unused), the rest reopens the invoice.
    /// </summary>
    public async Task<Result> RefundAsync(NewRefund request, Actor actor, CancellationToken ct)
    {
        await using var transaction = await OwnTransactionAsync(ct);
        var (payment, invoice) = await LockPaymentAsync(request.PaymentId, ct);
        if (payment is null || invoice is null)
        {
            return new Result(Outcome.PaymentNotFound, null);
        }
        if (request.TransactionId is not null
            && await db.Payments.AsNoTracking().SingleOrDefaultAsync(p => p.TransactionId == request.TransactionId, ct) is { } existing)
        {
            return existing.RefundOf == payment.Id
                ? new Result(Outcome.AlreadyRecorded, existing, invoice)
                : Result.Refuse("transactionId", $"Transaction '{request.TransactionId}' is already recorded for another payment.");
        }
        if (payment.RefundOf is not null || payment.Status != PaymentStatus.Completed)
        {
            return new Result(Outcome.Conflict, payment, invoice,
                $"Only a COMPLETED payment can be refunded; this one is {TextEnum.ToText(payment.Status, TextCase.Upper)}" +
                (payment.RefundOf is null ? "." : " (a refund itself)."), "paymentId");
        }
        if (AmountProblem(request.Amount) is { } amountProblem)
        {
            return Result.Refuse("amount", amountProblem);
        }
        var refunded = await db.Payments.Where(p => p.RefundOf == payment.Id).SumAsync(p => p.Amount, ct);
        var left = payment.Amount - refunded;
        if (request.Amount > left)
        {
            return Result.Refuse("amount", $"Only {Money.Round(left)} {payment.Currency} of this payment is left to refund.");
        }
        var creditOfPayment = await db.ClientCredits.Where(c => c.PaymentId == payment.Id).SumAsync(c => c.Amount, ct);
        var fromCredit = 0m;
        if (creditOfPayment > 0)
        {
            await LockClientAsync(invoice.ClientId, ct);
            var balance = await CreditBalanceAsync(invoice.ClientId, invoice.Currency, ct);
            fromCredit = Math.Min(request.Amount, Math.Min(creditOfPayment, balance));
        }
        var (paid, _) = await MoneyOfAsync(invoice.Id, ct);
        if (request.Amount - fromCredit > paid)
        {
            return Result.Refuse("amount",
                $"Only {Money.Round(paid + fromCredit)} {payment.Currency} can be refunded: the rest became client credit that was already used.");
        }

        var refund = new Payment
        {
            InvoiceId = invoice.Id,
            Amount = request.Amount,
            Currency = payment.Currency,
            Method = payment.Method,
            Status = PaymentStatus.Refunded,
            RefundOf = payment.Id,
            TransactionId = request.TransactionId,
            Reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(),
            PaidAt = clock.GetUtcNow(),
        };
        if (!await TrySaveNewAsync(refund, ct))
        {
            return Result.Refuse("transactionId", $"Transaction '{request.TransactionId}' is already recorded for another payment.");
        }
        audit.Record(actor, AuditEntities.Payment, refund.Id.ToString(), null, Snapshot(refund), "refunded", invoice.ClientId, invoice.Id,
            refund.Reason);
        if (fromCredit > 0)
        {
            AddCredit(actor, invoice, -fromCredit, payment.Id, null, $"Refund {refund.Id} takes back the overpayment's credit.");
        }
        await SettleAsync(invoice, actor, null, ct);
        await db.SaveChangesAsync(ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return new Result(Outcome.Recorded, refund, invoice);
    }

    /// <summary>
    /// Uses the client's credit (in the invoice's currency) for an open invoice, up to its amount due: the invoice
    /// carries it as <c>creditApplied</c> (its UBL <c>PrepaidAmount</c>, never a negative line). Returns what was applied.
    /// </summary>
    public async Task<decimal> ApplyCreditAsync(Guid invoiceId, Actor actor, CancellationToken ct)
    {
        await using var transaction = await OwnTransactionAsync(ct);
        var invoice = await LockInvoiceAsync(invoiceId, ct);
        if (invoice is null || invoice.Status is not (InvoiceStatus.Pending or InvoiceStatus.Overdue) || invoice.AmountDue <= 0)
        {
            return 0m;
        }
        await LockClientAsync(invoice.ClientId, ct);
        var applied = Math.Min(await CreditBalanceAsync(invoice.ClientId, invoice.Currency, ct), invoice.AmountDue);
        if (applied <= 0)
        {
            return 0m;
        }
        AddCredit(actor, invoice, -applied, null, invoice.Id, $"Applied to invoice {invoice.Number ?? invoice.Id.ToString()}.");
        await db.SaveChangesAsync(ct);
        await SettleAsync(invoice, actor, clock.GetUtcNow(), ct);
        await db.SaveChangesAsync(ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return applied;
    }

    /// <summary>A client's unused credit in a currency (what 19's e-Factura shows as prepaid on the invoices it is applied to).</summary>
    public Task<decimal> CreditBalanceAsync(string clientId, string currency, CancellationToken ct) =>
        db.ClientCredits.Where(c => c.ClientId == clientId && c.Currency == currency).SumAsync(c => c.Amount, ct);

    /// <summary>Each client's unused credit per currency, for showing on the client (clients and currencies with none are left out).</summary>
    public async Task<Dictionary<string, Dictionary<string, decimal>>> CreditsAsync(IReadOnlyCollection<string> clientIds, CancellationToken ct) =>
        (await db.ClientCredits.Where(c => clientIds.Contains(c.ClientId)).GroupBy(c => new { c.ClientId, c.Currency })
            .Select(g => new { g.Key.ClientId, g.Key.Currency, Amount = g.Sum(c => c.Amount) }).ToListAsync(ct))
        .Where(c => c.Amount != 0).GroupBy(c => c.ClientId, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.ToDictionary(c => c.Currency, c => c.Amount, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>One client's unused credit per currency (currencies with none are left out).</summary>
    public async Task<Dictionary<string, decimal>> CreditsAsync(string clientId, CancellationToken ct) =>
        (await CreditsAsync([clientId], ct)).GetValueOrDefault(clientId) ?? new Dictionary<string, decimal>(StringComparer.Ordinal);

    /// <summary>How much of <paramref name="amount"/> would exceed what is due, and the refusal when the client takes no credit.</summary>
    private async Task<(decimal Excess, string? Refusal)> ExcessAsync(Invoice invoice, decimal amount, CancellationToken ct)
    {
        var (paid, credit) = await MoneyOfAsync(invoice.Id, ct);
        // A cancelled invoice owes nothing: money it is paid anyway is all excess.
        var due = invoice.Status == InvoiceStatus.Cancelled ? 0m : Invoice.Due(invoice.Total, invoice.CreditedAmount, paid, credit);
        var excess = amount - due;
        if (excess <= 0)
        {
            return (0m, null);
        }
        var client = await LockClientAsync(invoice.ClientId, ct);
        return client?.AllowCredit == true
            ? (excess, null)
            : (excess, $"{Money.Round(amount)} {invoice.Currency} is more than the {Money.Round(due)} {invoice.Currency} due, and the client " +
                "does not take credit (set allowCredit on the client to keep the excess as credit).");
    }

    /// <summary>The one home of invoice money: recomputes amountPaid/creditApplied from the rows and moves the status with them.</summary>
    private async Task SettleAsync(Invoice invoice, Actor actor, DateTimeOffset? paidAt, CancellationToken ct, object? before = null)
    {
        // The sums read the rows, so what this change added is written (inside the transaction) first.
        await db.SaveChangesAsync(ct);
        var (paid, credit) = await MoneyOfAsync(invoice.Id, ct);
        before ??= new { invoice.Status, invoice.PaidAt, AmountDue = Invoice.Due(invoice.Total, invoice.CreditedAmount, invoice.AmountPaid, invoice.CreditApplied) };
        (invoice.AmountPaid, invoice.CreditApplied) = (paid, credit);
        // amountDue = total − credit notes − (completed payments − refunds − what became credit) − client credit consumed.
        var due = Invoice.Due(invoice.Total, invoice.CreditedAmount, paid, credit);
        var status = invoice.Status;
        if (invoice.CreditedAmount > 0 && invoice.CreditedAmount == invoice.Total && status != InvoiceStatus.Cancelled)
        {
            invoice.Status = InvoiceStatus.Cancelled;
        }
        else if (due == 0 && status is InvoiceStatus.Pending or InvoiceStatus.Overdue)
        {
            (invoice.Status, invoice.PaidAt) = (InvoiceStatus.Paid, paidAt ?? clock.GetUtcNow());
        }
        else if (due > 0 && status == InvoiceStatus.Paid)
        {
            (invoice.Status, invoice.PaidAt) = (IsPastDue(invoice) ? InvoiceStatus.Overdue : InvoiceStatus.Pending, null);
        }
        if (invoice.Status != status)
        {
            audit.Record(actor, AuditEntities.Invoice, invoice.Id.ToString(), before, new { invoice.Status, invoice.PaidAt, AmountDue = due },
                "status", invoice.ClientId, invoice.Id, $"Amount due {Money.Round(due)} {invoice.Currency}.");
        }
        // Checkout Sessions for the old amount must not take it a second time.
        await StripeSessionExpiry.QueueIfStaleAsync(db, invoice, due, clock.GetUtcNow(), ct);
    }

    /// <summary>
    /// After a credit note raised the invoice's <c>creditedAmount</c>: what was already paid beyond what is left to pay
    /// becomes the client's credit (the client credit it consumed first, then its payments' money, newest first), and the
    /// status follows the money (CANCELLED when fully credited). Call it under the invoice's lock, in the note's transaction.
    /// </summary>
    public async Task SettleCreditNoteAsync(Invoice invoice, string creditNote, Actor actor, CancellationToken ct)
    {
        // The note's rows first, the invoice's money after, in one update (amountDue must never go below 0 in between).
        var credited = invoice.CreditedAmount;
        var oldCredited = db.Entry(invoice).Property(i => i.CreditedAmount).OriginalValue;
        var before = new { invoice.Status, invoice.PaidAt, AmountDue = Invoice.Due(invoice.Total, oldCredited, invoice.AmountPaid, invoice.CreditApplied) };
        invoice.CreditedAmount = oldCredited;
        await db.SaveChangesAsync(ct);
        var (paid, credit) = await MoneyOfAsync(invoice.Id, ct);
        var excess = paid + credit - (invoice.Total - credited);
        if (excess > 0)
        {
            await LockClientAsync(invoice.ClientId, ct);
            var returned = Math.Min(excess, credit);
            if (returned > 0)
            {
                AddCredit(actor, invoice, returned, null, invoice.Id, $"Credit note {creditNote}: the credit applied to invoice {invoice.Number} is given back.");
            }
            var fromPayments = excess - returned;
            var completed = await db.Payments.Where(p => p.InvoiceId == invoice.Id && p.Status == PaymentStatus.Completed && p.RefundOf == null)
                .OrderByDescending(p => p.PaidAt).ThenByDescending(p => p.Id)
                .Select(p => new
                {
                    p.Id,
                    Left = p.Amount - db.Payments.Where(r => r.RefundOf == p.Id).Sum(r => r.Amount) - db.ClientCredits.Where(c => c.PaymentId == p.Id).Sum(c => c.Amount),
                }).ToListAsync(ct);
            foreach (var payment in completed.Where(p => p.Left > 0))
            {
                var take = Math.Min(fromPayments, payment.Left);
                if (take <= 0)
                {
                    break;
                }
                AddCredit(actor, invoice, take, payment.Id, null, $"Credit note {creditNote}: paid beyond what is left of invoice {invoice.Number}.");
                fromPayments -= take;
            }
            await db.SaveChangesAsync(ct);
        }
        (invoice.AmountPaid, invoice.CreditApplied) = await MoneyOfAsync(invoice.Id, ct);
        invoice.CreditedAmount = credited;
        await SettleAsync(invoice, actor, null, ct, before);
    }

    /// <summary>The overdue rule of the cycle (due date before the issuer's today), for an invoice a refund reopens.</summary>
    private bool IsPastDue(Invoice invoice) => invoice.DueDate < IssuerCalendar.DayOf(clock.GetUtcNow());

    /// <summary>(amountPaid, creditApplied) of an invoice from its payment and credit rows.</summary>
    private async Task<(decimal Paid, decimal Credit)> MoneyOfAsync(Guid invoiceId, CancellationToken ct)
    {
        var payments = db.Payments.Where(p => p.InvoiceId == invoiceId);
        var completed = await payments.Where(p => p.Status == PaymentStatus.Completed && p.RefundOf == null).SumAsync(p => p.Amount, ct);
        var refunded = await payments.Where(p => p.Status == PaymentStatus.Refunded).SumAsync(p => p.Amount, ct);
        var toCredit = await db.ClientCredits.Where(c => c.PaymentId != null && payments.Any(p => p.Id == c.PaymentId)).SumAsync(c => c.Amount, ct);
        var consumed = await db.ClientCredits.Where(c => c.InvoiceId == invoiceId).SumAsync(c => c.Amount, ct);
        return (completed - refunded - toCredit, -consumed);
    }

    private void AddCredit(Actor actor, Invoice invoice, decimal amount, Guid? paymentId, Guid? appliedTo, string reason)
    {
        var credit = new ClientCredit
        {
            Id = Guid.CreateVersion7(),
            ClientId = invoice.ClientId,
            Currency = invoice.Currency,
            Amount = amount,
            PaymentId = paymentId,
            InvoiceId = appliedTo,
            Reason = reason,
        };
        db.ClientCredits.Add(credit);
        audit.Record(actor, AuditEntities.ClientCredit, credit.Id.ToString(), null,
            new { credit.Amount, credit.Currency, credit.PaymentId, AppliedTo = appliedTo }, amount > 0 ? "credited" : "debited",
            invoice.ClientId, invoice.Id, reason);
    }

    private void FlagForReview(Invoice invoice, Actor actor, string reason)
    {
        var before = invoice.ReviewReason;
        // Each reason is kept (the column holds 2000 characters; the oldest text wins when it is full).
        var combined = before is null ? reason : $"{before} | {reason}";
        invoice.ReviewReason = combined.Length <= 2000 ? combined : combined[..2000];
        audit.Record(actor, AuditEntities.Invoice, invoice.Id.ToString(), new { ReviewReason = before }, new { invoice.ReviewReason },
            "review", invoice.ClientId, invoice.Id, reason);
    }

    private static string? AmountProblem(decimal amount) =>
        amount <= 0 ? "The amount must be more than 0."
        : Money.Round(amount) != amount ? $"The amount has at most {Money.Decimals} decimals."
        : null;

    private static object Snapshot(Payment p) => new { p.Amount, p.Currency, p.Method, p.Status, p.TransactionId, p.Reference, p.RefundOf, p.PaidAt, p.Reason };

    private async Task<bool> TrySaveNewAsync(Payment payment, CancellationToken ct)
    {
        db.Payments.Add(payment);
        try
        {
            await db.SaveChangesAsync(ct);
            return true;
        }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation })
        {
            // EF Core rolled back to its savepoint; forget the row so a later save in this transaction does not retry it.
            db.Entry(payment).State = EntityState.Detached;
            return false;
        }
    }

    /// <summary>A transaction of our own, or null when the caller's is already open (an idempotent request's).</summary>
    private async Task<IDbContextTransaction?> OwnTransactionAsync(CancellationToken ct) =>
        db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;

    private Task<Invoice?> LockInvoiceAsync(Guid invoiceId, CancellationToken ct) =>
        db.Invoices.FromSql($"""SELECT * FROM "Factura" WHERE "id" = {invoiceId} FOR UPDATE""").SingleOrDefaultAsync(ct);

    private Task<Client?> LockClientAsync(string clientId, CancellationToken ct) =>
        db.Clients.FromSql($"""SELECT * FROM "Client" WHERE "clientId" = {clientId} FOR UPDATE""").SingleOrDefaultAsync(ct);

    /// <summary>The payment with its invoice locked first (the one lock order: invoice, then client), then read again under the lock.</summary>
    private async Task<(Payment? Payment, Invoice? Invoice)> LockPaymentAsync(Guid paymentId, CancellationToken ct)
    {
        var invoiceId = await db.Payments.Where(p => p.Id == paymentId).Select(p => (Guid?)p.InvoiceId).SingleOrDefaultAsync(ct);
        if (invoiceId is null)
        {
            return (null, null);
        }
        var invoice = await LockInvoiceAsync(invoiceId.Value, ct);
        return (await db.Payments.SingleOrDefaultAsync(p => p.Id == paymentId, ct), invoice);
    }
}
