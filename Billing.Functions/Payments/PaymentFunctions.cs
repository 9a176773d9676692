using Billing.Domain.Common;
using Billing.Domain.Payments;
using Billing.Domain.Reports;
using Billing.Functions.Infrastructure;
using Billing.Functions.Invoicing;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace Billing.Functions.Payments;

/// <summary>Payments: listed to reporting tools (the seed's failed-payments monitor), recorded by operators.</summary>
public sealed class PaymentFunctions(ReportQueries reports, PaymentService payments, CallerResolver callers)
{
    [Function("ListPayments")]
    public async Task<IResult> ListPayments(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "payments")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Read, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var q = new QueryParameters(request, "status", "invoiceId", "clientId", "limit");
        var csv = Listing.WantsCsv(request, q);
        var status = q.Enum<PaymentStatus>("status", TextCase.Upper);
        var (invoiceId, clientId) = (q.Id("invoiceId"), q.Text("clientId"));
        var limit = q.Int("limit", 100, 1, ReportQueries.MaxLimit);
        if (!q.Valid)
        {
            return q.Problem;
        }
        var rows = await reports.PaymentsAsync(caller.Caller!, status, invoiceId, clientId, limit, ct);
        return Listing.Respond(csv, rows.Select(PaymentView.From).ToList());
    }

    public sealed record RecordPaymentRequest
    {
        public required Guid InvoiceId { get; init; }
        public required decimal Amount { get; init; }
        public string? Currency { get; init; }
        public required PaymentMethod Method { get; init; }
        public PaymentStatus Status { get; init; } = PaymentStatus.Completed;
        public string? TransactionId { get; init; }
        public DateTimeOffset? PaidAt { get; init; }
    }

    /// <summary>Records a payment (admin). A repeated transactionId answers 200 with the payment already recorded.</summary>
    [Function("RecordPayment")]
    public async Task<IResult> RecordPayment(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments")] HttpRequest request, CancellationToken ct)
    {
        var caller = await callers.ResolveAsync(request, Access.Admin, ct);
        if (!caller.Succeeded)
        {
            return caller.Problem!;
        }
        var (body, problem) = await JsonBody.ReadAsync<RecordPaymentRequest>(request, ct);
        if (body is null)
        {
            return problem!;
        }
        if (body.TransactionId is { Length: 0 or > 200 })
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["transactionId"] = ["Expected 1 to 200 characters."] });
        }
        var result = await payments.RecordAsync(new PaymentService.NewPayment(body.InvoiceId, body.Amount, body.Currency, body.Method, body.Status,
            body.TransactionId, body.PaidAt), ct);
        return result.Outcome switch
        {
            PaymentService.Outcome.InvoiceNotFound => Problems.NotFound($"No invoice '{body.InvoiceId}'."),
            PaymentService.Outcome.Refused => Problems.Validation(new Dictionary<string, string[]> { ["payment"] = [result.Reason!] },
                StatusCodes.Status422UnprocessableEntity),
            _ => await ViewAsync(caller.Caller!, result, ct),
        };
    }

    private async Task<IResult> ViewAsync(Domain.Access.Caller caller, PaymentService.Result result, CancellationToken ct)
    {
        var row = (await reports.PaymentsAsync(caller, null, result.Payment!.InvoiceId, null, ReportQueries.MaxLimit, ct))
            .Single(p => p.Id == result.Payment.Id);
        return result.Outcome == PaymentService.Outcome.Recorded
            ? TypedResults.Created($"/api/payments?invoiceId={row.InvoiceId}", PaymentView.From(row))
            : TypedResults.Ok(PaymentView.From(row));
    }
}
