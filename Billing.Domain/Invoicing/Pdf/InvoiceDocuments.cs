using Billing.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Invoicing.Pdf;

/// <summary>Builds an invoice's <see cref="InvoiceDocument"/> from what was stored when it was issued.</summary>
public sealed class InvoiceDocuments(BillingDbContext db)
{
    public async Task<InvoiceDocument?> LoadAsync(Guid invoiceId, CancellationToken ct)
    {
        var invoice = await db.Invoices.AsNoTracking().Include(i => i.LateUsage).SingleOrDefaultAsync(i => i.Id == invoiceId, ct);
        if (invoice is null)
        {
            return null;
        }
        var client = await db.Clients.AsNoTracking().Where(c => c.ClientId == invoice.ClientId)
            .Select(c => new { c.Name, c.Email, c.TimeZone }).SingleAsync(ct);
        var zone = TimeZoneInfo.FindSystemTimeZoneById(client.TimeZone);
        var issueDate = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(invoice.IssuedAt, zone).DateTime);

        var lines = new List<InvoiceDocumentLine>
        {
            new("Abonament lunar: asistent vocal AI", 1, "lună", invoice.FixedFee, invoice.FixedFee),
        };
        if (invoice.Minutes > 0 || invoice.MinutesAmount > 0)
        {
            var billable = Math.Max(0, invoice.Minutes - invoice.IncludedMinutes);
            var included = invoice.IncludedMinutes > 0 ? $", din care {RomanianFormat.Quantity(invoice.IncludedMinutes)} incluse în abonament" : "";
            lines.Add(new($"Minute convorbiri ({RomanianFormat.Calls(invoice.TotalCalls)}, {RomanianFormat.Quantity(invoice.Minutes)} min{included})",
                billable, "min", invoice.PricePerMinute, invoice.MinutesAmount));
        }
        lines.AddRange(invoice.LateUsage.OrderBy(l => l.OriginalPeriod).Select(l => new InvoiceDocumentLine(
            $"Convorbiri din perioada {l.OriginalPeriod} înregistrate după facturarea ei ({RomanianFormat.Calls(l.Calls)})", l.Minutes, "min", null, l.Amount)));

        var buyer = new InvoiceParty(invoice.ClientName ?? client.Name,
            client.Email is null ? [$"Cod client: {invoice.ClientId}"] : [$"Cod client: {invoice.ClientId}", $"E-mail: {client.Email}"]);
        return new InvoiceDocument(invoice.Number ?? "(fără număr)", issueDate, invoice.DueDate, invoice.PeriodStart, invoice.PeriodEnd,
            invoice.Period, Issuer: null, buyer, lines, invoice.Total, invoice.Total, invoice.Currency, Iban: null, PayLink: null, invoice.IssuedAt);
    }
}
