using Billing.Domain.Data;
using Billing.Domain.Parties;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Billing.Domain.Invoicing.Pdf;

/// <summary>
/// Builds the printed invoice from what was stored at issue: the invoice's own amounts, its VAT breakdown and its copies
/// of both parties ("InvoiceParty"), never the live issuer or client, so a later edit cannot change what a PDF says.
/// Invoices issued before VAT was computed (no snapshot) print the client's name and their prices as they were.
/// </summary>
public sealed class InvoiceDocuments(BillingDbContext db, IOptions<Payments.StripeOptions> stripe)
{
    public async Task<InvoiceDocument?> LoadAsync(Guid invoiceId, CancellationToken ct)
    {
        var invoice = await db.Invoices.AsNoTracking().AsSplitQuery().Include(i => i.LateUsage).Include(i => i.VatBreakdown).Include(i => i.Parties)
            .SingleOrDefaultAsync(i => i.Id == invoiceId, ct);
        if (invoice is null)
        {
            return null;
        }
        var seller = invoice.Parties.SingleOrDefault(p => p.Role == PartyRole.Seller);
        var buyer = invoice.Parties.SingleOrDefault(p => p.Role == PartyRole.Buyer);
        var client = buyer is null
            ? await db.Clients.AsNoTracking().Where(c => c.ClientId == invoice.ClientId).Select(c => new { c.Name, c.Email }).SingleAsync(ct)
            : null;
        // With VAT computed the lines print their nets (on a gross basis the allocated ones), and the VAT is added below.
        var vatComputed = invoice.NetAmount is not null;

        var fee = vatComputed ? invoice.FixedFeeNet!.Value : invoice.FixedFee;
        var lines = new List<InvoiceDocumentLine> { new("Abonament lunar: asistent vocal AI", 1, "lună", fee, fee) };
        if (invoice.Minutes > 0 || invoice.MinutesAmount > 0)
        {
            var billable = Math.Max(0, invoice.Minutes - invoice.IncludedMinutes);
            var included = invoice.IncludedMinutes > 0 ? $", din care {RomanianFormat.Quantity(invoice.IncludedMinutes)} incluse în abonament" : "";
            var net = vatComputed ? invoice.MinutesNet!.Value : invoice.MinutesAmount;
            lines.Add(new($"Minute convorbiri ({RomanianFormat.Calls(invoice.TotalCalls)}, {RomanianFormat.Quantity(invoice.Minutes)} min{included})",
                billable, "min", net == invoice.MinutesAmount ? invoice.PricePerMinute : null, net)); // a gross rate is not a net unit price
        }
        lines.AddRange(invoice.LateUsage.OrderBy(l => l.OriginalPeriod, StringComparer.Ordinal).Select(l => new InvoiceDocumentLine(
            $"Convorbiri din perioada {l.OriginalPeriod} înregistrate după facturarea ei ({RomanianFormat.Calls(l.Calls)})", l.Minutes, "min", null,
            vatComputed ? l.Net!.Value : l.Amount)));

        var vat = invoice.VatBreakdown.OrderBy(b => b.Category, StringComparer.Ordinal).ThenByDescending(b => b.RatePercent)
            .Select(b => new InvoiceDocumentVat(VatLabel(b.Category, b.RatePercent), b.Net, b.Vat)).ToList();
        var notes = invoice.VatBreakdown.Where(b => b.ExemptionReason is not null).Select(b => b.ExemptionReason!).Distinct().ToList();
        if (seller?.VatOnReceipt == true)
        {
            notes.Insert(0, "TVA la încasare.");
        }
        if (invoice.VatAmountRon is { } ron && invoice.Currency != Vat.InvoiceTaxes.Ron)
        {
            notes.Add($"TVA în lei: {RomanianFormat.Money(ron, Vat.InvoiceTaxes.Ron)} (curs BNR {RomanianFormat.UnitPrice(invoice.VatExchangeRate!.Value)} " +
                      $"din {RomanianFormat.Date(invoice.VatExchangeRateDate!.Value)}).");
        }

        return new InvoiceDocument(invoice.Number ?? "(fără număr)", invoice.IssueDate ?? IssuerCalendar.DayOf(invoice.IssuedAt), invoice.DueDate,
            invoice.PeriodStart, invoice.PeriodEnd, invoice.Period,
            seller is null ? null : Printed(seller, null),
            buyer is null
                ? new InvoiceParty(invoice.ClientName ?? client!.Name,
                    client!.Email is null ? [$"Cod client: {invoice.ClientId}"] : [$"Cod client: {invoice.ClientId}", $"E-mail: {client.Email}"])
                : Printed(buyer, invoice.ClientName, $"Cod client: {invoice.ClientId}"),
            lines, invoice.NetAmount, vat, notes, invoice.Total, invoice.AmountPaid + invoice.CreditApplied, invoice.AmountDue, invoice.Currency,
            seller?.Iban is null ? null : $"{seller.Iban}{(seller.Bank is null ? "" : $" ({seller.Bank})")}",
            // The stable pay link (never a Checkout URL, which expires within a day), while card payments are on.
            PayLink: invoice.Status == InvoiceStatus.Cancelled ? null : stripe.Value.PayLink(invoice.PayToken), invoice.IssuedAt);
    }

    private static string VatLabel(string category, decimal percent) => category switch
    {
        "S" => $"TVA {RomanianFormat.Quantity(percent)}%",
        "AE" => "Taxare inversă (TVA 0%)",
        _ => "Neplătitor de TVA",
    };

    /// <summary>A party's copy as printed: the fiscal identity first, then the address and contacts.</summary>
    private static InvoiceParty Printed(Parties.InvoiceParty party, string? nameOnInvoice, string? first = null)
    {
        var address = string.Join(", ", new[] { party.Street, party.City, party.County, party.PostalCode, party.Country }.Where(s => !string.IsNullOrEmpty(s)));
        var details = new List<string?>
        {
            first,
            party.VatId is not null ? $"Cod TVA: {party.VatId}" : party.FiscalCode is not null ? $"CUI: {party.FiscalCode}" : null,
            party.TradeRegisterNumber is null ? null : $"Nr. Reg. Com.: {party.TradeRegisterNumber}",
            address.Length == 0 ? null : address,
            party.Email is null ? null : $"E-mail: {party.Email}",
            party.Phone is null ? null : $"Telefon: {party.Phone}",
        };
        return new InvoiceParty(party.LegalName ?? nameOnInvoice ?? "—", details.Where(d => d is not null).Select(d => d!).ToList());
    }
}
