using System.Text.Json;
using Billing.Domain.Data;
using Billing.Domain.Invoicing.Pdf;
using Billing.Domain.Mail;
using Billing.Domain.Outbox;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Billing.Domain.Invoicing;

/// <summary>
/// An issued invoice e-mailed to its client's billing address, in Romanian, with the PDF attached: an outbox message of
/// kind <see cref="Kind"/>, keyed by the invoice id, written by the statement that issues the invoice.
/// </summary>
public sealed class InvoiceEmail(BillingDbContext db, InvoiceDocuments documents, InvoicePdfs pdfs, IMailSender mail) : IOutboxHandler
{
    public const string Kind = "invoice-email";

    /// <summary>
    /// The outbox rows for the invoices a statement's <c>ins</c> CTE returned (with their <c>"id"</c>), as a further CTE of
    /// that same statement, so each invoice and its e-mail commit together. <paramref name="nowParameter"/> is the statement's
    /// issue instant.
    /// </summary>
    public static string OutboxCte(string nowParameter) => $"""
        invoice_mail AS (
            INSERT INTO "OutboxMessage" ("kind", "key", "payload", "nextAttemptAt", "createdAt")
            SELECT '{Kind}', ins."id"::text, jsonb_build_object('invoiceId', ins."id"), {nowParameter}, {nowParameter} FROM ins
            ON CONFLICT ("kind", "key") DO NOTHING)
        """;

    string IOutboxHandler.Kind => Kind;

    public string? DisabledReason => mail.DisabledReason;

    public async Task DeliverAsync(OutboxDelivery message, CancellationToken ct)
    {
        var invoiceId = JsonDocument.Parse(message.Payload).RootElement.GetProperty("invoiceId").GetGuid();
        var recipient = await db.Invoices.AsNoTracking().Where(i => i.Id == invoiceId)
            .Join(db.Clients, i => i.ClientId, c => c.ClientId, (i, c) => new { c.ClientId, Email = c.BillingEmail ?? c.Email })
            .SingleOrDefaultAsync(ct);
        if (recipient is null)
        {
            throw new PermanentDeliveryException($"invoice {invoiceId} does not exist");
        }
        if (string.IsNullOrWhiteSpace(recipient.Email) || !MailboxAddress.TryParse(recipient.Email, out var to))
        {
            throw new PermanentDeliveryException(
                $"client {recipient.ClientId} has no usable billing e-mail; set it (billing clients set) and retry this message");
        }
        var document = await documents.LoadAsync(invoiceId, ct) ?? throw new PermanentDeliveryException($"invoice {invoiceId} does not exist");
        var pdf = await pdfs.GetAsync(invoiceId, ct) ?? throw new PermanentDeliveryException($"invoice {invoiceId} does not exist");
        await mail.SendAsync(Compose(document, to, pdf.Content), message.MessageId, ct);
    }

    /// <summary>The e-mail of an invoice: subject and body in Romanian, the PDF attached.</summary>
    public static MimeMessage Compose(InvoiceDocument invoice, MailboxAddress to, byte[] pdf)
    {
        var amount = RomanianFormat.Money(invoice.AmountDue, invoice.Currency);
        var due = RomanianFormat.Date(invoice.DueDate);
        var period = invoice.PeriodStart is { } s && invoice.PeriodEnd is { } e
            ? $"{RomanianFormat.Date(s)} – {RomanianFormat.Date(e.AddDays(-1))}"
            : invoice.Period;
        var lines = new List<string>
        {
            "Bună ziua,",
            "",
            $"Vă transmitem factura {invoice.Number} pentru perioada {period}.",
            "",
            $"Total de plată: {amount}",
            $"Data scadenței: {due}",
        };
        if (invoice.PayLink is not null)
        {
            lines.Add($"Plată online cu cardul: {invoice.PayLink}");
        }
        if (invoice.Iban is not null)
        {
            lines.Add($"Transfer bancar: IBAN {invoice.Iban}, cu numărul facturii la detalii.");
        }
        lines.AddRange(["", "Factura este atașată în format PDF.", "", "Cu stimă,", invoice.Issuer?.Name ?? "Departamentul de facturare"]);

        var body = new BodyBuilder { TextBody = string.Join("\r\n", lines) + "\r\n" };
        body.Attachments.Add($"Factura-{invoice.Number}.pdf", pdf, new ContentType("application", "pdf"));
        var message = new MimeMessage
        {
            Subject = $"Factura {invoice.Number}: {amount} de plată până la {due}",
            Body = body.ToMessageBody(),
        };
        message.To.Add(to);
        return message;
    }
}
