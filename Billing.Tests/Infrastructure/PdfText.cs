using UglyToad.PdfPig;

namespace Billing.Tests.Infrastructure;

/// <summary>A PDF's text as a reader gets it (PdfPig, independent of the library that wrote it), words joined by single spaces.</summary>
public static class PdfText
{
    public static string Read(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));
    }

    public static int Pages(byte[] pdf)
    {
        using var document = PdfDocument.Open(pdf);
        return document.NumberOfPages;
    }
}
