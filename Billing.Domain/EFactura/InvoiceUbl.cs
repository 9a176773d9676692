using System.Globalization;
using Billing.Domain.Invoicing;
using Billing.Domain.Parties;
using Billing.Domain.Vat;

namespace Billing.Domain.EFactura;

/// <summary>
/// What an issued invoice says in e-Factura terms (<see cref="UblDocument"/>), read only from what the invoice stored
/// at issue: its amounts and line nets, its VAT breakdown, its tax points and rates, and its copies of both parties
/// ("InvoiceParty"). Nothing is recomputed here (docs/decisions/0014): the document states the invoice's own numbers.
/// </summary>
public static class InvoiceUbl
{
    public const string FeeLine = "Abonament lunar: asistent vocal AI";
    public const string MinutesLine = "Minute convorbiri peste cele incluse";

    /// <param name="invoice">With its late usage, VAT breakdown and parties loaded.</param>
    /// <param name="originalPeriods">The bounds (half-open) of the periods its late-usage lines came from, by <c>YYYY-MM</c>.</param>
    public static UblDocument From(Invoice invoice, IReadOnlyDictionary<string, (DateOnly Start, DateOnly End)> originalPeriods)
    {
        if (invoice.Number is null || invoice.IssueDate is not { } issueDate || invoice.PeriodStart is not { } start || invoice.PeriodEnd is not { } end
            || invoice.NetAmount is not { } net || invoice.VatAmount is not { } vat || invoice.GrossAmount is not { } gross || invoice.VatCategory is null)
        {
            throw new InvalidOperationException($"Invoice {invoice.Id} has no number, issue date, period or VAT: it was not issued with VAT.");
        }
        var seller = invoice.Parties.Single(p => p.Role == PartyRole.Seller);
        var buyer = invoice.Parties.Single(p => p.Role == PartyRole.Buyer);
        return new UblDocument
        {
            Kind = UblDocumentKind.Invoice,
            Number = invoice.Number,
            IssueDate = issueDate,
            DueDate = invoice.DueDate,
            Currency = invoice.Currency,
            TaxCurrency = TaxCurrencyOf(invoice),
            Notes = seller.VatOnReceipt ? [UblWriter.VatOnReceiptNote] : [],
            PeriodStart = start,
            PeriodEnd = end.AddDays(-1),
            VatOnReceipt = seller.VatOnReceipt,
            Seller = Party(seller),
            // BR-O-02: a document not subject to VAT names no VAT identifier, the buyer's included (its legal id stays).
            Buyer = invoice.VatCategory == "O" ? Party(buyer) with { VatId = null } : Party(buyer),
            PaymentMeans = PaymentMeansOf(seller, invoice.Number),
            Lines = Lines(invoice, originalPeriods),
            VatBreakdown = Breakdown(invoice.VatBreakdown),
            Totals = new UblTotals
            {
                LineExtension = net,
                TaxExclusive = net,
                VatTotal = vat,
                TaxInclusive = gross,
                // Client credit consumed before the document was generated: BT-113, never a negative line.
                Prepaid = invoice.CreditApplied,
                Payable = gross - invoice.CreditApplied,
            },
        };
    }

    /// <summary>BT-6/BT-111 for a document not in RON.</summary>
    public static UblTaxCurrency? TaxCurrencyOf(Invoice invoice) =>
        invoice.Currency != InvoiceTaxes.Ron && invoice.VatAmountRon is { } ron ? new UblTaxCurrency(InvoiceTaxes.Ron, ron) : null;

    public static UblPaymentMeans? PaymentMeansOf(InvoiceParty seller, string remittance) =>
        seller.Iban is { Length: > 0 } iban ? new UblPaymentMeans(iban, seller.LegalName, null, remittance) : null;

    /// <summary>A party's copy on the invoice: a Romanian buyer's legal id is its CUI without the VAT prefix (or the 13 zeros).</summary>
    public static UblParty Party(InvoiceParty party) => new()
    {
        LegalName = party.LegalName ?? "",
        VatId = party.VatId,
        LegalId = party.Role == PartyRole.Seller || party.Country == PostalAddress.Romania ? FiscalCode.StripVatPrefix(party.FiscalCode) : null,
        AdditionalLegalInfo = party.Role == PartyRole.Seller ? party.TradeRegisterNumber : null,
        Street = party.Street ?? "",
        City = party.City ?? "",
        PostalCode = party.PostalCode,
        County = party.County,
        CountryCode = party.Country,
        Phone = party.Phone,
        Email = party.Email,
    };

    /// <summary>BG-23 from the stored breakdown: category O states no rate.</summary>
    public static IReadOnlyList<UblVatBreakdown> Breakdown(IEnumerable<InvoiceVatBreakdown> breakdown) =>
        Breakdown(breakdown.Select(b => (b.Category, b.RatePercent, b.Net, b.Vat, b.ExemptionReasonCode, b.ExemptionReason)));

    /// <summary>BG-23 of an invoice or a credit note, by category then rate (highest first).</summary>
    public static IReadOnlyList<UblVatBreakdown> Breakdown(
        IEnumerable<(string Category, decimal RatePercent, decimal Net, decimal Vat, string? Code, string? Reason)> breakdown) =>
        breakdown.OrderBy(b => b.Category, StringComparer.Ordinal).ThenByDescending(b => b.RatePercent).Select(b => new UblVatBreakdown
        {
            Category = b.Category,
            Rate = RateOf(b.Category, b.RatePercent),
            TaxableAmount = b.Net,
            TaxAmount = b.Vat,
            ExemptionReasonCode = b.Code,
            ExemptionReason = b.Reason,
        }).ToList();

    public static decimal? RateOf(string category, decimal? percent) => category == "O" ? null : percent ?? 0m;

    /// <summary>
    /// The fee, the minutes beyond the included ones (when any are billed) and each late-usage line with its own period
    /// and rate. On a gross basis the nets are the allocated ones, so the unit price is the net per minute.
    /// </summary>
    public static IReadOnlyList<UblLine> Lines(Invoice invoice, IReadOnlyDictionary<string, (DateOnly Start, DateOnly End)> originalPeriods)
    {
        var category = invoice.VatCategory!;
        var rate = RateOf(category, invoice.VatRate);
        var fee = invoice.FixedFeeNet ?? invoice.FixedFee;
        var lines = new List<UblLine>
        {
            new() { Id = "1", Name = FeeLine, Quantity = 1, UnitCode = "C62", NetAmount = fee, UnitPrice = fee, VatCategory = category, VatRate = rate },
        };
        var billable = Math.Max(0, invoice.Minutes - invoice.IncludedMinutes);
        var minutesNet = invoice.MinutesNet ?? invoice.MinutesAmount;
        if (billable > 0 || minutesNet != 0)
        {
            var price = minutesNet == invoice.MinutesAmount && invoice.PricePerMinute is { } perMinute ? perMinute
                : billable > 0 ? Math.Round(minutesNet / billable, 4, MidpointRounding.AwayFromZero) : minutesNet;
            lines.Add(new UblLine
            {
                Id = "2",
                Name = MinutesLine,
                Note = $"{Count(invoice.TotalCalls)} apeluri, {Count(invoice.Minutes)} min" +
                    (invoice.IncludedMinutes > 0 ? $", din care {Count(invoice.IncludedMinutes)} incluse în abonament" : ""),
                Quantity = billable > 0 ? billable : 1,
                UnitCode = billable > 0 ? "MIN" : "C62",
                NetAmount = minutesNet,
                UnitPrice = price,
                VatCategory = category,
                VatRate = rate,
            });
        }
        foreach (var late in invoice.LateUsage.OrderBy(l => l.OriginalPeriod, StringComparer.Ordinal))
        {
            var period = originalPeriods.TryGetValue(late.OriginalPeriod, out var bounds) ? bounds : MonthOf(late.OriginalPeriod);
            var lateNet = late.Net ?? late.Amount;
            // Calls priced one by one: one unit at the line's net, with the calls and minutes in its note.
            lines.Add(new UblLine
            {
                Id = (lines.Count + 1).ToString(CultureInfo.InvariantCulture),
                Name = LateLine(late.OriginalPeriod),
                Note = $"{Count(late.Calls)} apeluri, {Count(late.Minutes)} min",
                Quantity = 1,
                UnitCode = "C62",
                NetAmount = lateNet,
                UnitPrice = lateNet,
                PeriodStart = period.Start,
                PeriodEnd = period.End.AddDays(-1),
                VatCategory = category,
                VatRate = RateOf(category, late.VatRate),
            });
        }
        return lines;
    }

    public static string LateLine(string period) => $"Convorbiri din perioada {period} înregistrate după facturarea ei";

    /// <summary>A late line whose original invoice predates period bounds: its calendar month (half-open).</summary>
    public static (DateOnly Start, DateOnly End) MonthOf(string period)
    {
        var first = DateOnly.ParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture);
        return (first, first.AddMonths(1));
    }

    private static string Count(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
