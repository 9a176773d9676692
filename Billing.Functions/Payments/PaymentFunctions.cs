using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Payments;
using Billing.Functions.Invoicing;

namespace Billing.Functions.Payments;

/// <summary>
/// Payments: listed to reporting tools (the seed's failed-payments monitor); recorded, completed or failed, and refunded
/// by operators. Recording and refunding honour an <c>Idempotency-Key</c> (<see cref="IdempotentRequests"/>); the rules
/// themselves are <see cref="PaymentService"/>'s.
/// </summary>
public sealed class PaymentFunctions(ReportQueries reports, PaymentService payments, IdempotentRequests idempotency, CallerResolver callers)
{
    [Function(nameof(ListPayments))]
    public Task<IResult> ListPayments(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "payments")] HttpRequest request, CancellationToken ct) =>
        callers.QueryAsync(request, Access.Read, ["status", "invoiceId", "clientId", "limit"], (caller, q) =>
        {
            var status = q.Enum<PaymentStatus>("status", TextCase.Upper);
            var (invoiceId, clientId) = (q.Id("invoiceId"), q.Text("clientId"));
            var limit = q.Int("limit", 100, 1, ReportQueries.MaxLimit);
            return q.RespondAsync(async () =>
                q.List((await reports.PaymentsAsync(caller, status, invoiceId, clientId, limit, ct)).Select(PaymentView.From).ToList()));
        }, ct);

    public record InvoicePaymentRequest : IValidatedBody
    {
        public required decimal Amount { get; init; }
        public string? Currency { get; init; }
        public required PaymentMethod Method { get; init; }
        /// <summary>COMPLETED (default) or PENDING (announced, not yet received: PATCH it later).</summary>
        public PaymentStatus Status { get; init; } = PaymentStatus.Completed;
        /// <summary>What the payer wrote, e.g. the invoice number on a transfer.</summary>
        public string? Reference { get; init; }
        /// <summary>The bank's or provider's id of the transaction: recorded once.</summary>
        public string? TransactionId { get; init; }
        public DateTimeOffset? PaidAt { get; init; }

        public FieldErrors Validate() => new FieldErrors()
            .Check(TransactionId is null or { Length: > 0 and <= 200 }, "transactionId", "Expected 1 to 200 characters.")
            .Check(Reference is null or { Length: <= 500 }, "reference", "At most 500 characters.");
    }

    /// <summary>The older form of the same operation: the invoice in the body; the Idempotency-Key is optional here.</summary>
    public sealed record RecordPaymentRequest : InvoicePaymentRequest
    {
        public required Guid InvoiceId { get; init; }
    }

    /// <summary>Records a payment of an invoice (admin); needs an Idempotency-Key. A repeated transactionId answers 200 with the payment already recorded.</summary>
    [Function(nameof(RecordInvoicePayment))]
    public Task<IResult> RecordInvoicePayment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/payments")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync<InvoicePaymentRequest>(request, Access.Admin, (caller, body) => Guid.TryParse(id, out var invoiceId)
            ? idempotency.RespondAsync(request, caller, required: true, body, () => RecordAsync(caller, invoiceId, body, ct), ct)
            : Task.FromResult(Problems.NotFound($"No invoice '{id}'.")), ct);

    /// <summary><c>POST /api/payments</c>: the same operation as <see cref="RecordInvoicePayment"/>, kept for existing callers.</summary>
    [Function(nameof(RecordPayment))]
    public Task<IResult> RecordPayment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync<RecordPaymentRequest>(request, Access.Admin, (caller, body) =>
            idempotency.RespondAsync(request, caller, required: false, body, () => RecordAsync(caller, body.InvoiceId, body, ct), ct), ct);

    public sealed record ChangePaymentRequest : IValidatedBody
    {
        /// <summary>COMPLETED or FAILED.</summary>
        public required string Status { get; init; }
        public string? Reason { get; init; }
        /// <summary>When the money arrived (COMPLETED only); now by default.</summary>
        public DateTimeOffset? PaidAt { get; init; }

        public FieldErrors Validate() => new FieldErrors()
            .Check(TextEnum.TryParse<PaymentStatus>(Status, out _), "status", "Expected PENDING, COMPLETED, FAILED or REFUNDED.")
            .Check(Reason is null or { Length: <= 1000 }, "reason", "At most 1000 characters.");
    }

    /// <summary>PENDING → COMPLETED | FAILED (admin); any other transition is 409 naming the allowed ones.</summary>
    [Function(nameof(ChangePayment))]
    public Task<IResult> ChangePayment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "payments/{id}")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync<ChangePaymentRequest>(request, Access.Admin, async (caller, body) => !Guid.TryParse(id, out var paymentId)
            ? Problems.NotFound($"No payment '{id}'.")
            : Answer(await payments.ChangeStatusAsync(paymentId, TextEnum.Parse<PaymentStatus>(body.Status), body.Reason, body.PaidAt,
                Actor.For(caller), ct), created: false), ct);

    public sealed record RefundRequest : IValidatedBody
    {
        public required decimal Amount { get; init; }
        public string? Reason { get; init; }
        /// <summary>The bank's or provider's id of the refund: recorded once.</summary>
        public string? TransactionId { get; init; }

        public FieldErrors Validate() => new FieldErrors()
            .Check(TransactionId is null or { Length: > 0 and <= 200 }, "transactionId", "Expected 1 to 200 characters.")
            .Check(Reason is null or { Length: <= 1000 }, "reason", "At most 1000 characters.");
    }

    /// <summary>Refunds part or all of a COMPLETED payment as a new REFUNDED row (admin); an Idempotency-Key is honoured.</summary>
    [Function(nameof(RefundPayment))]
    public Task<IResult> RefundPayment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/{id}/refunds")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync<RefundRequest>(request, Access.Admin, (caller, body) => Guid.TryParse(id, out var paymentId)
            ? idempotency.RespondAsync(request, caller, required: false, body, async () =>
                Answer(await payments.RefundAsync(new PaymentService.NewRefund(paymentId, body.Amount, body.Reason, body.TransactionId),
                    Actor.For(caller), ct), created: true), ct)
            : Task.FromResult(Problems.NotFound($"No payment '{id}'.")), ct);

    private async Task<IResult> RecordAsync(Caller caller, Guid invoiceId, InvoicePaymentRequest body, CancellationToken ct) =>
        Answer(await payments.RecordAsync(new PaymentService.NewPayment(invoiceId, body.Amount, body.Currency, body.Method, body.Status,
            body.TransactionId, body.PaidAt, body.Reference), Actor.For(caller), ct), created: true);

    /// <summary>The one mapping of a payment outcome onto HTTP; the view is built from the rows of the change's own transaction.</summary>
    private static IResult Answer(PaymentService.Result result, bool created) => result.Outcome switch
    {
        PaymentService.Outcome.InvoiceNotFound => Problems.NotFound("No such invoice."),
        PaymentService.Outcome.PaymentNotFound => Problems.NotFound("No such payment."),
        PaymentService.Outcome.Refused => Problems.Invalid(result.Field ?? "payment", result.Reason!, StatusCodes.Status422UnprocessableEntity),
        PaymentService.Outcome.Conflict => Problems.Conflict(result.Reason!),
        PaymentService.Outcome.Recorded when created =>
            TypedResults.Created($"/api/payments?invoiceId={result.Invoice!.Id}", PaymentView.From(result.Payment!, result.Invoice)),
        _ => TypedResults.Ok(PaymentView.From(result.Payment!, result.Invoice!)),
    };
}
