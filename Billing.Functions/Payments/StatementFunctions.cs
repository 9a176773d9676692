using Billing.Domain.Audit;
using Billing.Domain.Payments;

namespace Billing.Functions.Payments;

/// <summary><c>POST /api/payments/statements</c>: a bank statement (CAMT.053 or the CSV) applied to the invoices it pays.</summary>
public sealed class StatementFunctions(BankStatements statements, CallerResolver callers)
{
    [Function(nameof(ImportStatement))]
    public Task<IResult> ImportStatement(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "payments/statements")] HttpRequest request, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Admin, async caller =>
        {
            if (request.ContentLength > BankStatements.MaxBytes)
            {
                return Problems.TooLarge(BankStatements.MaxBytes);
            }
            using var buffer = new MemoryStream();
            var chunk = new byte[81920];
            int read;
            while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
            {
                if (buffer.Length + read > BankStatements.MaxBytes)
                {
                    return Problems.TooLarge(BankStatements.MaxBytes);
                }
                buffer.Write(chunk, 0, read);
            }
            // A statement that cannot be read is refused whole (InvalidInputException: 422 naming the line); then each line is its own.
            var lines = BankStatements.Parse(buffer.ToArray());
            var results = await statements.ImportAsync(lines, Actor.For(caller), ct);
            return TypedResults.Ok(new StatementView(results.Count(r => r.Outcome == StatementLineOutcome.Matched),
                results.Count(r => r.Outcome == StatementLineOutcome.Duplicate), results.Count(r => r.Outcome == StatementLineOutcome.Ambiguous),
                results.Count(r => r.Outcome == StatementLineOutcome.Unmatched), results.Count(r => r.Outcome == StatementLineOutcome.Refused),
                results.Select(StatementLineView.From).ToList()));
        }, ct);
}

public sealed record StatementView(int Matched, int Duplicates, int Ambiguous, int Unmatched, int Refused, IReadOnlyList<StatementLineView> Lines);

public sealed record StatementLineView(int Line, string BookingDate, string Amount, string Currency, string? Reference, string? Payer,
    string BankTransactionId, string Outcome, Guid? InvoiceId, string? InvoiceNumber, Guid? PaymentId, string? Reason)
{
    public static StatementLineView From(StatementLineResult r) => new(r.Line.Line, Formats.Date(r.Line.BookingDate), Formats.Money(r.Line.Amount),
        r.Line.Currency, r.Line.Reference, r.Line.Payer, r.Line.BankTransactionId, r.Outcome.ToString().ToLowerInvariant(), r.InvoiceId,
        r.InvoiceNumber, r.PaymentId, r.Reason);
}
