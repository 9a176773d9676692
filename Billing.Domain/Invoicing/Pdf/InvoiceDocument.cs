using System.Globalization;

namespace Billing.Domain.Invoicing.Pdf;

/// <summary>
/// What the invoice PDF shows, already in the words and numbers it prints: built from the stored invoice (and its
/// parties' snapshot) by <see cref="InvoiceDocuments"/>, drawn by <see cref="InvoicePdfRenderer"/>.
/// </summary>
public sealed record InvoiceDocument(
    string Number,
    DateOnly IssueDate,
    DateOnly DueDate,
    DateOnly? PeriodStart,
    DateOnly? PeriodEnd,
    string Period,
    InvoiceParty? Issuer,
    InvoiceParty Buyer,
    IReadOnlyList<InvoiceDocumentLine> Lines,
    decimal? Net,
    IReadOnlyList<InvoiceDocumentVat> Vat,
    IReadOnlyList<string> VatNotes,
    decimal Total,
    decimal Paid,
    decimal AmountDue,
    string Currency,
    string? Iban,
    string? PayLink,
    DateTimeOffset IssuedAt);

/// <summary>A party as printed: its name and the lines under it (fiscal code, address, ...).</summary>
public sealed record InvoiceParty(string Name, IReadOnlyList<string> Details);

/// <summary>One VAT breakdown as printed ("TVA 21%", its net and VAT).</summary>
public sealed record InvoiceDocumentVat(string Label, decimal Net, decimal Vat);

/// <param name="UnitPrice">Null when the line is a sum of calls priced one by one (late usage).</param>
public sealed record InvoiceDocumentLine(string Description, decimal Quantity, string Unit, decimal? UnitPrice, decimal Amount);

/// <summary>Numbers and dates as Romanian readers expect them: <c>1.234,56</c>, <c>01.12.2025</c>. Fixed here rather
/// than taken from the ro-RO culture, so a stored PDF never depends on the machine's ICU data.</summary>
public static class RomanianFormat
{
    private static readonly NumberFormatInfo Numbers = new()
    {
        NumberDecimalSeparator = ",",
        NumberGroupSeparator = ".",
        NumberGroupSizes = [3],
        NegativeSign = "-",
    };

    public static string Money(decimal amount) => amount.ToString("#,##0.00", Numbers);

    public static string Money(decimal amount, string currency) => $"{Money(amount)} {currency}";

    public static string Quantity(decimal value) => value.ToString("#,##0.####", Numbers);

    /// <summary>A unit price: at least the 2 decimals of money, up to the 4 a rate per minute may have.</summary>
    public static string UnitPrice(decimal value) => value.ToString("#,##0.00##", Numbers);

    /// <summary>"1 apel", "5 apeluri", "20 de apeluri": Romanian puts "de" after numbers ending in 00 or 20–99.</summary>
    public static string Calls(int count)
    {
        var lastTwo = count % 100;
        var word = count == 1 ? "apel" : count > 19 && (lastTwo == 0 || lastTwo > 19) ? "de apeluri" : "apeluri";
        return $"{count.ToString("#,##0", Numbers)} {word}";
    }

    public static string Date(DateOnly date) => date.ToString("dd.MM.yyyy", CultureInfo.InvariantCulture);
}
