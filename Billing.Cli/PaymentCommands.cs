using System.CommandLine;
using System.Globalization;
using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Billing.Domain.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Cli;

/// <summary><c>billing payments list|record|refund|import</c>: the API's payment operations, with the same rules and audit (as <c>cli:&lt;user&gt;</c>).</summary>
internal static class PaymentCommands
{
    public static Command Create(CliEnvironment environment)
    {
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };

        var invoiceFilter = new Option<string?>("--invoice") { Description = "One invoice, by number or id." };
        var statusFilter = new Option<string?>("--status") { Description = "PENDING, COMPLETED, FAILED or REFUNDED." };
        var list = new Command("list", "Payments and refunds, newest first.") { invoiceFilter, statusFilter, json };
        list.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var db = services.GetRequiredService<BillingDbContext>();
            Guid? invoiceId = parse.GetValue(invoiceFilter) is { } invoiceText ? await InvoiceIdAsync(db, invoiceText, ct) : null;
            PaymentStatus? status = parse.GetValue(statusFilter) is { } statusText
                ? TextEnum.TryParse<PaymentStatus>(statusText, out var parsed) ? parsed
                    : throw new ArgumentException($"--status must be PENDING, COMPLETED, FAILED or REFUNDED, not '{statusText}'.")
                : null;
            var rows = await services.GetRequiredService<ReportQueries>().PaymentsAsync(Caller.LocalOperator, status, invoiceId, clientId: null,
                limit: 1000, ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, rows.Select(p => new
                {
                    p.Id,
                    p.InvoiceId,
                    p.InvoiceNumber,
                    p.ClientId,
                    p.Amount,
                    p.Currency,
                    p.Method,
                    p.Status,
                    p.TransactionId,
                    p.Reference,
                    p.RefundOf,
                    p.Reason,
                    p.PaidAt,
                    p.CreatedAt,
                }));
                return ExitCodes.Success;
            }
            Output.WriteTable(environment.Out, ["id", "invoice", "client", "amount", "method", "status", "transaction", "refund of", "paid"],
                rows.Select(p => (IReadOnlyList<string>)[p.Id.ToString(), p.InvoiceNumber ?? p.InvoiceId.ToString(), p.ClientId,
                    $"{p.Amount.ToString("F2", CultureInfo.InvariantCulture)} {p.Currency}", TextEnum.ToText(p.Method, TextCase.Lower),
                    TextEnum.ToText(p.Status, TextCase.Upper), p.TransactionId ?? "", p.RefundOf?.ToString() ?? "",
                    p.PaidAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture) ?? ""]), rightAligned: new HashSet<int> { 3 });
            return ExitCodes.Success;
        }));

        var invoice = new Argument<string>("invoice") { Description = "The invoice's number (VAI-2025-000123) or id." };
        var amount = new Option<decimal>("--amount") { Description = "The amount, in the invoice's currency (2 decimals at most).", Required = true };
        var method = new Option<string>("--method") { Description = "card, transfer or cash.", DefaultValueFactory = _ => "transfer" };
        var currency = new Option<string?>("--currency") { Description = "Checked against the invoice's currency." };
        var transaction = new Option<string?>("--transaction-id") { Description = "The bank's or provider's id: recording it again changes nothing." };
        var reference = new Option<string?>("--reference") { Description = "What the payer wrote." };
        var pending = new Option<bool>("--pending") { Description = "Announced but not yet received (complete it later)." };
        var paidAt = new Option<DateTimeOffset?>("--paid-at") { Description = "When the money arrived (ISO 8601); now by default." };
        var record = new Command("record", "Record a payment of an invoice.") { invoice, amount, method, currency, transaction, reference, pending, paidAt, json };
        record.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var db = services.GetRequiredService<BillingDbContext>();
            var invoiceId = await InvoiceIdAsync(db, parse.GetValue(invoice)!, ct);
            var paymentMethod = TextEnum.TryParse<PaymentMethod>(parse.GetValue(method)!, out var m) ? m
                : throw new ArgumentException($"--method must be card, transfer or cash, not '{parse.GetValue(method)}'.");
            var result = await services.GetRequiredService<PaymentService>().RecordAsync(new PaymentService.NewPayment(invoiceId, parse.GetValue(amount),
                parse.GetValue(currency), paymentMethod, parse.GetValue(pending) ? PaymentStatus.Pending : PaymentStatus.Completed,
                parse.GetValue(transaction), parse.GetValue(paidAt), parse.GetValue(reference)), Actor.CurrentCliUser(), ct);
            return Report(environment, result, parse.GetValue(json));
        }));

        var payment = new Argument<Guid>("payment") { Description = "The payment's id (from 'billing payments list')." };
        var refundAmount = new Option<decimal>("--amount") { Description = "How much to return (at most what is left of the payment).", Required = true };
        var reason = new Option<string?>("--reason") { Description = "Why (kept with the refund and in the audit trail)." };
        var refundTransaction = new Option<string?>("--transaction-id") { Description = "The bank's or provider's id of the refund." };
        var refund = new Command("refund", "Refund part or all of a COMPLETED payment (a new REFUNDED row).") { payment, refundAmount, reason, refundTransaction, json };
        refund.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var result = await services.GetRequiredService<PaymentService>().RefundAsync(new PaymentService.NewRefund(parse.GetValue(payment),
                parse.GetValue(refundAmount), parse.GetValue(reason), parse.GetValue(refundTransaction)), Actor.CurrentCliUser(), ct);
            return Report(environment, result, parse.GetValue(json));
        }));

        var file = new Argument<FileInfo>("file") { Description = "A CAMT.053 XML statement or the CSV (see README)." };
        var import = new Command("import", "Apply a bank statement's incoming transfers to the invoices they pay; replays change nothing.") { file, json };
        import.SetAction((parse, ct) => CliScope.RunAsync(environment, ct, async services =>
        {
            var path = parse.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException($"No file {path.FullName}.", ExitCodes.Usage);
            }
            if (path.Length > BankStatements.MaxBytes)
            {
                throw new ArgumentException($"A statement is at most {BankStatements.MaxBytes / (1024 * 1024)} MB.");
            }
            var lines = BankStatements.Parse(await File.ReadAllBytesAsync(path.FullName, ct));
            var results = await services.GetRequiredService<BankStatements>().ImportAsync(lines, Actor.CurrentCliUser(), ct);
            if (parse.GetValue(json))
            {
                Output.WriteJson(environment.Out, results);
            }
            else
            {
                Output.WriteTable(environment.Out, ["line", "booked", "amount", "payer", "reference", "outcome", "invoice", "why"],
                    results.Select(r => (IReadOnlyList<string>)[r.Line.Line.ToString(CultureInfo.InvariantCulture), r.Line.BookingDate.ToString("O"),
                        $"{r.Line.Amount.ToString("F2", CultureInfo.InvariantCulture)} {r.Line.Currency}", r.Line.Payer ?? "", r.Line.Reference ?? "",
                        r.Outcome.ToString().ToLowerInvariant(), r.InvoiceNumber ?? "", r.Reason ?? ""]));
                environment.Out.WriteLine(string.Join(", ", Enum.GetValues<StatementLineOutcome>()
                    .Select(o => $"{results.Count(r => r.Outcome == o)} {o.ToString().ToLowerInvariant()}")));
            }
            // Exit 1 when some money is left for a person to place.
            return results.All(r => r.Outcome is StatementLineOutcome.Matched or StatementLineOutcome.Duplicate) ? ExitCodes.Success : ExitCodes.Failure;
        }));

        return new Command("payments", "Payments, refunds and bank statements.") { list, record, refund, import };
    }

    private static int Report(CliEnvironment environment, PaymentService.Result result, bool json)
    {
        switch (result.Outcome)
        {
            case PaymentService.Outcome.InvoiceNotFound:
                throw new CliException("No such invoice: see 'billing invoices list'.");
            case PaymentService.Outcome.PaymentNotFound:
                throw new CliException("No such payment: see 'billing payments list'.");
            case PaymentService.Outcome.Refused:
                throw new ArgumentException($"{result.Field}: {result.Reason}");
            case PaymentService.Outcome.Conflict:
                throw new CliException(result.Reason!);
        }
        var p = result.Payment!;
        var invoice = result.Invoice!;
        var due = Invoice.Due(invoice.Total, invoice.CreditedAmount, invoice.AmountPaid, invoice.CreditApplied);
        if (json)
        {
            Output.WriteJson(environment.Out, new
            {
                p.Id,
                p.InvoiceId,
                p.Amount,
                p.Currency,
                p.Status,
                p.RefundOf,
                AmountDue = due,
                InvoiceStatus = invoice.Status,
            });
        }
        else
        {
            environment.Out.WriteLine($"{(result.Outcome == PaymentService.Outcome.AlreadyRecorded ? "Already recorded" : "Recorded")} " +
                $"{TextEnum.ToText(p.Status, TextCase.Upper)} {p.Amount.ToString("F2", CultureInfo.InvariantCulture)} {p.Currency} ({p.Id}); invoice " +
                $"{invoice.Number ?? invoice.Id.ToString()} is {TextEnum.ToText(invoice.Status, TextCase.Upper)}, " +
                $"{due.ToString("F2", CultureInfo.InvariantCulture)} {p.Currency} due.");
        }
        return ExitCodes.Success;
    }

    /// <summary>An invoice by its id or number, as the commands take it.</summary>
    internal static async Task<Guid> InvoiceIdAsync(BillingDbContext db, string text, CancellationToken ct)
    {
        if (Guid.TryParse(text, out var id))
        {
            return id;
        }
        return await db.Invoices.Where(i => i.Number == text).Select(i => (Guid?)i.Id).SingleOrDefaultAsync(ct)
            ?? throw new CliException($"No invoice '{text}': see 'billing invoices list'.");
    }
}
