using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Data;
using Billing.Domain.EFactura;
using Billing.Domain.Invoicing.CreditNotes;
using Microsoft.EntityFrameworkCore;

namespace Billing.Functions.Invoicing;

/// <summary>
/// Credit notes (storno): issued by operators against an invoice (whole, an amount, a share or per line, with a reason;
/// an Idempotency-Key is honoured), and their e-Factura documents as stored at issue. The rules are <see cref="CreditNoteService"/>'s.
/// </summary>
public sealed class CreditNoteFunctions(CreditNoteService creditNotes, InvoiceReissue reissue, BillingDbContext db, IdempotentRequests idempotency,
    CallerResolver callers)
{
    public sealed record CreditNoteBody : IValidatedBody
    {
        public required string Reason { get; init; }
        /// <summary>Everything left of the invoice (the default when nothing else is given).</summary>
        public bool Whole { get; init; }
        /// <summary>An amount in the invoice's prices (net on a net basis, gross on a gross one), spread over its lines.</summary>
        public decimal? Amount { get; init; }
        /// <summary>A share of every line, more than 0 and at most 1.</summary>
        public decimal? Share { get; init; }
        public IReadOnlyList<LineBody>? Lines { get; init; }

        // JSON null passes "required" (the property is present), so null is checked here, not left to throw later.
        public FieldErrors Validate() => new FieldErrors()
            .Check(Reason?.Trim().Length is > 0 and <= CreditNoteService.MaxReason, "reason", $"Expected 1 to {CreditNoteService.MaxReason} characters.")
            .Check(Lines is null || Lines.Count <= 100, "lines", "At most 100 lines.")
            .Check(Lines is null || Lines.All(l => l?.Line is not null), "lines", "Each line needs a line name and an amount.");
    }

    /// <param name="Line"><c>fee</c>, <c>minutes</c> or <c>late:YYYY-MM</c>.</param>
    public sealed record LineBody(string Line, decimal Amount);

    /// <summary>Issues a credit note of an invoice (admin).</summary>
    [Function(nameof(CreateCreditNote))]
    public Task<IResult> CreateCreditNote(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/credit-notes")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync<CreditNoteBody>(request, Access.Admin, (caller, body) => Guid.TryParse(id, out var invoiceId)
            ? idempotency.RespondAsync(request, caller, required: false, body, async () => Answer(await creditNotes.IssueAsync(invoiceId,
                new CreditNoteRequest(body.Reason, body.Whole, body.Amount, body.Share, body.Lines?.Select(l => new CreditNoteRequest.LineCredit(l.Line, l.Amount)).ToList()),
                Actor.For(caller), ct)), ct)
            : Task.FromResult(Problems.NotFound($"No invoice '{id}'.")), ct);

    /// <summary>The corrected invoice of a period whose invoice was credited in full (admin): a new number, the parties as they are now.</summary>
    [Function(nameof(ReissueInvoice))]
    public Task<IResult> ReissueInvoice(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "invoices/{id}/reissue")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Admin, async caller =>
        {
            if (!Guid.TryParse(id, out var invoiceId))
            {
                return Problems.NotFound($"No invoice '{id}'.");
            }
            var result = await reissue.ReissueAsync(invoiceId, Actor.For(caller), ct);
            return result.Outcome switch
            {
                InvoiceReissue.Outcome.Issued => TypedResults.Created($"/api/invoices/{result.Invoice!.Id}", InvoiceSummaryView.From(Row(result.Invoice))),
                InvoiceReissue.Outcome.InvoiceNotFound => Problems.NotFound($"No invoice '{id}'."),
                _ => Problems.Refused(new ConflictException("status", result.Reason!)),
            };
        }, ct);

    /// <summary>The invoice as lists show it, from the row of the change's own transaction.</summary>
    private static Domain.Reports.InvoiceRow Row(Domain.Invoicing.Invoice i) => new(i.Id, i.Number, i.ClientId, i.ClientName, i.Period, i.PeriodStart,
        i.PeriodEnd, i.Minutes, i.TotalCalls, i.SuccessfulCalls, i.MinutesAmount, i.FixedFee, i.LateUsageAmount, i.Total, i.Currency, i.Status,
        i.DueDate, i.IssuedAt, i.PaidAt, i.Reconciled, i.CreatedAt, i.AmountPaid, i.CreditApplied, i.AmountDue, i.NetAmount, i.VatAmount,
        i.IssueDate, i.VatCategory, i.MissingFields);

    /// <summary>A credit note's e-Factura document (UBL CreditNote 381), the bytes stored at issue; a client key gets its own only.</summary>
    [Function(nameof(GetCreditNoteEFactura))]
    public Task<IResult> GetCreditNoteEFactura(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "credit-notes/{id}/efactura.xml")] HttpRequest request, string id, CancellationToken ct) =>
        callers.HandleAsync(request, Access.Read, async caller =>
        {
            var note = Guid.TryParse(id, out var noteId)
                ? await db.CreditNotes.AsNoTracking().VisibleTo(caller).Where(n => n.Id == noteId)
                    .Select(n => new { n.Number, n.Content, n.Sha256, n.FindingsJson }).SingleOrDefaultAsync(ct)
                : null;
            if (note is null)
            {
                return Problems.NotFound($"No credit note '{id}'.");
            }
            var document = note.Content is null ? null : new InvoiceEFactura { Content = note.Content, Sha256 = note.Sha256 };
            return EFacturaFunctions.Answer(new EFacturaDownload(note.Number, document, [], EFacturaFindings.Parse(note.FindingsJson)), "credit note");
        }, ct);

    private static IResult Answer(CreditNoteService.Result result) => result.Outcome switch
    {
        CreditNoteService.Outcome.Issued => TypedResults.Created($"/api/invoices/{result.Invoice!.Id}", CreditNoteView.From(result.CreditNote!, result.Invoice)),
        CreditNoteService.Outcome.InvoiceNotFound => Problems.NotFound("No such invoice."),
        CreditNoteService.Outcome.Conflict => Problems.Refused(new ConflictException(result.Field!, result.Reason!)),
        _ => Problems.Invalid(result.Field!, result.Reason!, StatusCodes.Status422UnprocessableEntity),
    };
}
