using System.Globalization;
using Billing.Domain.Invoicing;
using Billing.Domain.Invoicing.CreditNotes;
using Billing.Domain.Parties;

namespace Billing.Domain.EFactura;

/// <summary>
/// A credit note in e-Factura terms: a UBL CreditNote (type 381) referencing the invoice it corrects (BG-3), naming the
/// same parties as the invoice's copies, over the invoice's period, with its lines and breakdowns at the invoice's rates.
/// </summary>
public static class CreditNoteUbl
{
    public static UblDocument From(CreditNote note, Invoice invoice)
    {
        var seller = invoice.Parties.Single(p => p.Role == PartyRole.Seller);
        var buyer = invoice.Parties.Single(p => p.Role == PartyRole.Buyer);
        return new UblDocument
        {
            Kind = UblDocumentKind.CreditNote,
            Number = note.Number,
            IssueDate = note.IssueDate,
            Currency = note.Currency,
            TaxCurrency = note.Currency != Vat.InvoiceTaxes.Ron && note.VatAmountRon is { } ron ? new UblTaxCurrency(Vat.InvoiceTaxes.Ron, ron) : null,
            Notes = seller.VatOnReceipt ? [note.Reason, UblWriter.VatOnReceiptNote] : [note.Reason],
            PeriodStart = invoice.PeriodStart!.Value,
            PeriodEnd = invoice.PeriodEnd!.Value.AddDays(-1),
            VatOnReceipt = seller.VatOnReceipt,
            PrecedingInvoice = new UblPrecedingInvoice(invoice.Number!, invoice.IssueDate!.Value),
            Seller = InvoiceUbl.Party(seller),
            Buyer = invoice.VatCategory == "O" ? InvoiceUbl.Party(buyer) with { VatId = null } : InvoiceUbl.Party(buyer),
            Lines = note.Lines.OrderBy(l => l.LineNo).Select(l => new UblLine
            {
                Id = l.LineNo.ToString(CultureInfo.InvariantCulture),
                Name = l.Description,
                Quantity = 1,
                UnitCode = "C62",
                NetAmount = l.Net,
                UnitPrice = l.Net,
                PeriodStart = l.PeriodStart,
                PeriodEnd = l.PeriodEnd,
                VatCategory = l.VatCategory,
                VatRate = InvoiceUbl.RateOf(l.VatCategory, l.VatRate),
            }).ToList(),
            VatBreakdown = InvoiceUbl.Breakdown(note.VatBreakdown.Select(b => (b.Category, b.RatePercent, b.Net, b.Vat, b.ExemptionReasonCode, b.ExemptionReason))),
            Totals = new UblTotals
            {
                LineExtension = note.NetAmount,
                TaxExclusive = note.NetAmount,
                VatTotal = note.VatAmount,
                TaxInclusive = note.GrossAmount,
                Payable = note.GrossAmount,
            },
        };
    }
}
