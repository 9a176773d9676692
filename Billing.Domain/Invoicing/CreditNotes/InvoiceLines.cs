using Billing.Domain.EFactura;

namespace Billing.Domain.Invoicing.CreditNotes;

/// <summary>One line of an issued invoice as a credit note sees it: its key, its amount in the invoice's prices, its net and its rate.</summary>
public sealed record InvoiceLineItem(string Key, string Description, decimal Amount, decimal Net, string VatCategory, decimal VatRate,
    DateOnly? PeriodStart, DateOnly? PeriodEnd);

/// <summary>
/// The creditable lines of an invoice issued with VAT: <c>fee</c>, <c>minutes</c> (when any are billed) and one
/// <c>late:YYYY-MM</c> per late-usage line, each with the rate of its own tax point as the invoice stored it.
/// </summary>
public static class InvoiceLines
{
    public const string Fee = "fee";
    public const string Minutes = "minutes";
    public const string LatePrefix = "late:";

    public static IReadOnlyList<InvoiceLineItem> Of(Invoice invoice, IReadOnlyDictionary<string, (DateOnly Start, DateOnly End)> originalPeriods)
    {
        var category = invoice.VatCategory ?? throw new InvalidOperationException($"Invoice {invoice.Id} was issued without VAT.");
        var rate = invoice.VatRate ?? 0m;
        var lines = new List<InvoiceLineItem> { new(Fee, InvoiceUbl.FeeLine, invoice.FixedFee, invoice.FixedFeeNet ?? invoice.FixedFee, category, rate, null, null) };
        if (invoice.MinutesAmount != 0)
        {
            lines.Add(new(Minutes, InvoiceUbl.MinutesLine, invoice.MinutesAmount, invoice.MinutesNet ?? invoice.MinutesAmount, category, rate, null, null));
        }
        foreach (var late in invoice.LateUsage.OrderBy(l => l.OriginalPeriod, StringComparer.Ordinal))
        {
            var (start, end) = originalPeriods.TryGetValue(late.OriginalPeriod, out var bounds) ? bounds : InvoiceUbl.MonthOf(late.OriginalPeriod);
            lines.Add(new(LatePrefix + late.OriginalPeriod, InvoiceUbl.LateLine(late.OriginalPeriod), late.Amount, late.Net ?? late.Amount, category,
                late.VatRate ?? rate, start, end.AddDays(-1)));
        }
        return lines;
    }
}
