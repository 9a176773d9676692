using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Payments;
using Billing.Functions.Invoicing;

namespace Billing.Functions.Payments;

/// <summary>Payments: listed to reporting tools (the seed's failed-payments monitor), recorded by operators.</summary>
public sealed class PaymentFunctions(ReportQueries reports, PaymentService payments, CallerResolver callers)
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

    public sealed record RecordPaymentRequest : IValidatedBody
    {
        public required Guid InvoiceId { get; init; }
        public required decimal Amount { get; init; }
        public string? Currency { get; init; }
        public required PaymentMethod Method { get; init; }
        public PaymentStatus Status { get; init; } = PaymentStatus.Completed;
        public string? TransactionId { get; init; }
        public DateTimeOffset? PaidAt { get; init; }

        public FieldErrors Validate() => new FieldErrors()
            .Check(TransactionId is null or { Length: > 0 and <= 200 }, "transactionId", "Expected 1 to 200 characters.");
    }

    /// <summary>Records a payment (admin). A repeated transactionId answers 200 with the payment already recorded.</summary>
    [Function(nameof(RecordPayment))]
    public Task<IResult> RecordPayment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync<RecordPaymentRequest>(request, Access.Admin, async (caller, body) =>
        {
            var result = await payments.RecordAsync(new PaymentService.NewPayment(body.InvoiceId, body.Amount, body.Currency, body.Method,
                body.Status, body.TransactionId, body.PaidAt), Actor.For(caller), ct);
            return result.Outcome switch
            {
                PaymentService.Outcome.InvoiceNotFound => Problems.NotFound($"No invoice '{body.InvoiceId}'."),
                PaymentService.Outcome.Refused => Problems.Invalid("payment", result.Reason!, StatusCodes.Status422UnprocessableEntity),
                _ => await ViewAsync(caller, result, ct),
            };
        }, ct);

    private async Task<IResult> ViewAsync(Caller caller, PaymentService.Result result, CancellationToken ct)
    {
        var row = (await reports.PaymentsAsync(caller, null, result.Payment!.InvoiceId, null, ReportQueries.MaxLimit, ct))
            .Single(p => p.Id == result.Payment.Id);
        return result.Outcome == PaymentService.Outcome.Recorded
            ? TypedResults.Created($"/api/payments?invoiceId={row.InvoiceId}", PaymentView.From(row))
            : TypedResults.Ok(PaymentView.From(row));
    }
}
