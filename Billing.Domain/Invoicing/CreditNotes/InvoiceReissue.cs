using Billing.Domain.Audit;
using Billing.Domain.Data;
using Billing.Domain.EFactura;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Invoicing.CreditNotes;

/// <summary>
/// The corrected invoice of a period whose invoice was credited in full (CANCELLED): a new invoice with a new number of
/// the invoice series, over the same calls (the cancelled invoice's usage scope: epoch and instants) and late-usage lines
/// at the same terms, with the parties as they are now (the usual reason: the buyer's details were wrong or missing),
/// VAT at the same tax points (<see cref="InvoiceTaxes"/>), its e-mail queued and its e-Factura document generated, in
/// one transaction. One invoice per client and period among those not cancelled: a second reissue is refused.
/// </summary>
public sealed class InvoiceReissue(BillingDbContext db, InvoiceNumbers numbers, InvoiceTaxes taxes, EFacturaDocuments documents, AuditTrail audit,
    TimeProvider clock)
{
    public enum Outcome { Issued, InvoiceNotFound, Conflict }

    public sealed record Result(Outcome Outcome, Invoice? Invoice = null, string? Reason = null);

    private static readonly string InsertSql = $"""
        WITH ins AS (
            INSERT INTO "Factura" ("clientId", "clientName", "perioada", "periodStart", "periodEnd", "minuteTotale", "totalCalls",
                "successfulCalls", "includedMinutes", "costPerMinut", "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata",
                "currency", "status", "dueDate", "issuedAt", "vapiAssistantId", "reconciled", "usageEpoch", "usageFrom", "usageTo",
                "taxaLunara", "minuteRounding", "timeZone", "termsFrom", "number")
            SELECT f."clientId", c."clientName", f."perioada", f."periodStart", f."periodEnd", f."minuteTotale", f."totalCalls",
                   f."successfulCalls", f."includedMinutes", f."costPerMinut", f."costMinute", f."taxaFixa", f."lateUsageAmount",
                   f."costMinute" + f."taxaFixa" + f."lateUsageAmount",
                   f."currency", 'PENDING', @due_date, @issued_at, f."vapiAssistantId", f."reconciled", f."usageEpoch", f."usageFrom", f."usageTo",
                   f."taxaLunara", f."minuteRounding", f."timeZone", f."termsFrom", @number
            FROM "Factura" f JOIN "Client" c ON c."clientId" = f."clientId"
            WHERE f."id" = @cancelled
            RETURNING "id"
        ), late AS (
            INSERT INTO "InvoiceLateUsage" ("facturaId", "originalPeriod", "calls", "minutes", "amount")
            SELECT ins."id", l."originalPeriod", l."calls", l."minutes", l."amount" FROM ins, "InvoiceLateUsage" l WHERE l."facturaId" = @cancelled
        ), {InvoiceEmail.OutboxCte("@issued_at")}
        SELECT "id" FROM ins
        """;

    public async Task<Result> ReissueAsync(Guid cancelledId, Actor actor, CancellationToken ct)
    {
        await using var transaction = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(ct) : null;
        var cancelled = await db.Invoices.FromSql($"""SELECT * FROM "Factura" WHERE "id" = {cancelledId} FOR UPDATE""").AsNoTracking().SingleOrDefaultAsync(ct);
        if (cancelled is null)
        {
            return new Result(Outcome.InvoiceNotFound);
        }
        if (cancelled.Status != InvoiceStatus.Cancelled)
        {
            return new Result(Outcome.Conflict, cancelled, $"Invoice {cancelled.Number} is {cancelled.Status.ToString().ToUpperInvariant()}: " +
                "only an invoice credited in full (CANCELLED) is issued again; credit it first (POST /api/invoices/{id}/credit-notes).");
        }
        if (await db.Invoices.AnyAsync(i => i.ClientId == cancelled.ClientId && i.Period == cancelled.Period && i.Status != InvoiceStatus.Cancelled, ct))
        {
            return new Result(Outcome.Conflict, cancelled, $"Period {cancelled.Period} of client {cancelled.ClientId} already has an invoice that is not cancelled.");
        }

        var now = clock.GetUtcNow();
        // The same payment term as the invoice it corrects, from the new issue day.
        var termDays = cancelled.DueDate.DayNumber - (cancelled.IssueDate ?? IssuerCalendar.DayOf(cancelled.IssuedAt)).DayNumber;
        var block = await numbers.TakeAsync(now, 1, ct);
        var number = InvoiceNumbers.Format(block.Prefix, block.Free[0]);
        var id = (await new Sql(InsertSql)
            .With("cancelled", cancelledId).With("due_date", IssuerCalendar.DayOf(now).AddDays(Math.Max(0, termDays)))
            .With("issued_at", now).With("number", number)
            .ListAsync(db, r => r.GetGuid(0), ct)).Single();
        await numbers.AdvanceAsync(block, [number], ct);
        await taxes.AssessAsync([id], now, ct);
        await documents.GenerateAsync([id], ct);
        var issued = await db.Invoices.AsNoTracking().SingleAsync(i => i.Id == id, ct);
        audit.Record(actor, AuditEntities.Invoice, id.ToString(), null,
            new { issued.Number, issued.Period, issued.Total, issued.Status, Corrects = cancelled.Number }, "issued", issued.ClientId, id,
            $"Corrects invoice {cancelled.Number}, credited in full.");
        await db.SaveChangesAsync(ct);
        if (transaction is not null)
        {
            await transaction.CommitAsync(ct);
        }
        return new Result(Outcome.Issued, issued);
    }
}
