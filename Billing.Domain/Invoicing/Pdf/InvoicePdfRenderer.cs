using System.Reflection;
using PdfSharp.Drawing;
using PdfSharp.Drawing.Layout;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Billing.Domain.Invoicing.Pdf;

/// <summary>
/// Draws an <see cref="InvoiceDocument"/> as an A4 PDF in Romanian with PDFsharp. Linux has no fonts PDFsharp could
/// find, so the bundled DejaVu Sans (Fonts/, Bitstream Vera licence) is embedded: it has every Romanian letter
/// (ă â î ș ț, with comma below).
/// </summary>
public static class InvoicePdfRenderer
{
    private const string Family = "DejaVu Sans";
    private const double Margin = 50;
    private static readonly XBrush Ink = XBrushes.Black;
    private static readonly XBrush Muted = new XSolidBrush(XColor.FromArgb(90, 90, 90));
    private static readonly XPen Rule = new(XColor.FromArgb(170, 170, 170), 0.6);
    private static readonly Lock FontsLock = new();

    public static byte[] Render(InvoiceDocument invoice)
    {
        UseBundledFonts();
        var regular = new XFont(Family, 9);
        var bold = new XFont(Family, 9, XFontStyleEx.Bold);
        var title = new XFont(Family, 18, XFontStyleEx.Bold);

        using var document = new PdfDocument();
        document.Info.Title = $"Factura {invoice.Number}";
        document.Info.Subject = $"Factura {invoice.Number} pentru perioada {invoice.Period}";
        document.Info.Author = invoice.Issuer?.Name ?? "";
        document.Info.CreationDate = invoice.IssuedAt.UtcDateTime;
        var page = new Page(document);
        var g = page.Graphics;
        var width = page.Width - 2 * Margin;

        g.DrawString("FACTURĂ", title, Ink, new XRect(Margin, page.Y, width, 24), XStringFormats.TopLeft);
        var facts = new[]
        {
            ("Seria și numărul:", invoice.Number),
            ("Data emiterii:", RomanianFormat.Date(invoice.IssueDate)),
            ("Data scadenței:", RomanianFormat.Date(invoice.DueDate)),
            ("Perioada facturată:", invoice.PeriodStart is { } s && invoice.PeriodEnd is { } e
                ? $"{RomanianFormat.Date(s)} – {RomanianFormat.Date(e.AddDays(-1))}"
                : invoice.Period),
        };
        var factsY = page.Y;
        foreach (var (label, value) in facts)
        {
            g.DrawString(label, regular, Muted, new XRect(Margin + width - 250, factsY, 110, 12), XStringFormats.TopLeft);
            g.DrawString(value, bold, Ink, new XRect(Margin + width - 140, factsY, 140, 12), XStringFormats.TopRight);
            factsY += 13;
        }
        page.Y = Math.Max(page.Y + 34, factsY) + 14;

        // The parties side by side.
        var columnWidth = (width - 20) / 2;
        var partiesY = page.Y;
        var issuerBottom = Party(g, "Furnizor", invoice.Issuer ?? new InvoiceParty("—", ["Datele furnizorului nu sunt completate."]),
            Margin, partiesY, columnWidth, regular, bold);
        var buyerBottom = Party(g, "Cumpărător", invoice.Buyer, Margin + columnWidth + 20, partiesY, columnWidth, regular, bold);
        page.Y = Math.Max(issuerBottom, buyerBottom) + 18;

        // Lines.
        double[] columns = [22, width - 22 - 60 - 40 - 75 - 85, 60, 40, 75, 85];
        string[] headers = ["Nr.", "Descriere", "Cantitate", "U.M.", "Preț unitar", $"Valoare ({invoice.Currency})"];
        Row(page, columns, headers, bold, header: true);
        var number = 1;
        foreach (var line in invoice.Lines)
        {
            Row(page, columns,
            [
                (number++).ToString(System.Globalization.CultureInfo.InvariantCulture), line.Description,
                RomanianFormat.Quantity(line.Quantity), line.Unit,
                line.UnitPrice is { } price ? RomanianFormat.UnitPrice(price) : "", RomanianFormat.Money(line.Amount),
            ], regular, header: false);
        }
        page.Y += 10;

        // Totals, right-aligned under the amounts.
        page.EnsureRoom(60 + 16 * (invoice.Vat.Count + 2));
        var labelX = Margin + width - 260;
        if (invoice.Net is { } net)
        {
            Total(page.Graphics, "Total fără TVA:", RomanianFormat.Money(net, invoice.Currency), labelX, page.Y, regular);
            page.Y += 16;
            foreach (var vat in invoice.Vat)
            {
                Total(page.Graphics, $"{vat.Label} din {RomanianFormat.Money(vat.Net)}:", RomanianFormat.Money(vat.Vat, invoice.Currency), labelX - 60,
                    page.Y, regular, labelWidth: 190);
                page.Y += 16;
            }
        }
        Total(page.Graphics, "Total factură:", RomanianFormat.Money(invoice.Total, invoice.Currency), labelX, page.Y, regular);
        page.Y += 16;
        if (invoice.Paid > 0)
        {
            Total(page.Graphics, "Achitat / credit:", RomanianFormat.Money(-invoice.Paid, invoice.Currency), labelX, page.Y, regular);
            page.Y += 16;
        }
        Total(page.Graphics, "Total de plată:", RomanianFormat.Money(invoice.AmountDue, invoice.Currency), labelX, page.Y,
            new XFont(Family, 11, XFontStyleEx.Bold));
        page.Y += 24;
        foreach (var note in invoice.VatNotes)
        {
            page.EnsureRoom(14);
            page.Y = Paragraph(page.Graphics, note, regular, Margin, page.Y, width) + 2;
        }
        page.Y += 6;

        // How to pay.
        page.EnsureRoom(60);
        page.Graphics.DrawString("Modalități de plată", bold, Ink, new XRect(Margin, page.Y, width, 12), XStringFormats.TopLeft);
        page.Y += 14;
        var payment = new List<string>();
        if (invoice.Iban is not null)
        {
            payment.Add($"Transfer bancar în contul IBAN {invoice.Iban}, cu numărul facturii ({invoice.Number}) la detalii.");
        }
        if (invoice.PayLink is not null)
        {
            payment.Add($"Plată online cu cardul: {invoice.PayLink}");
        }
        if (payment.Count == 0)
        {
            payment.Add($"Vă rugăm să achitați până la {RomanianFormat.Date(invoice.DueDate)}, cu numărul facturii la detalii.");
        }
        foreach (var text in payment)
        {
            page.Y = Paragraph(page.Graphics, text, regular, Margin, page.Y, width) + 3;
        }

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    private static double Party(XGraphics g, string role, InvoiceParty party, double x, double y, double width, XFont regular, XFont bold)
    {
        g.DrawString(role, regular, Muted, new XRect(x, y, width, 12), XStringFormats.TopLeft);
        g.DrawLine(Rule, x, y + 13, x + width, y + 13);
        y = Paragraph(g, party.Name, bold, x, y + 17, width) + 1;
        foreach (var detail in party.Details)
        {
            y = Paragraph(g, detail, regular, x, y, width);
        }
        return y;
    }

    private static void Row(Page page, double[] columns, string[] cells, XFont font, bool header)
    {
        // Rows are as tall as their longest wrapped cell (the description).
        var lines = cells.Select((c, i) => Math.Max(1, WrappedLineCount(page.Graphics, c, font, columns[i] - 6))).Max();
        var height = lines * 11.5 + 6;
        page.EnsureRoom(height);
        var g = page.Graphics;
        var x = Margin;
        for (var i = 0; i < cells.Length; i++)
        {
            var rect = new XRect(x + 3, page.Y + 3, columns[i] - 6, height - 6);
            var formatter = new XTextFormatter(g) { Alignment = i >= 2 && i != 3 ? XParagraphAlignment.Right : XParagraphAlignment.Left };
            formatter.DrawString(cells[i], font, header ? Muted : Ink, rect, XStringFormats.TopLeft);
            x += columns[i];
        }
        page.Y += height;
        g.DrawLine(Rule, Margin, page.Y, Margin + columns.Sum(), page.Y);
    }

    private static void Total(XGraphics g, string label, string value, double x, double y, XFont font, double labelWidth = 130)
    {
        g.DrawString(label, font, Ink, new XRect(x, y, labelWidth, 14), XStringFormats.TopLeft);
        g.DrawString(value, font, Ink, new XRect(x + labelWidth, y, 260 - 130, 14), XStringFormats.TopRight);
    }

    private static double Paragraph(XGraphics g, string text, XFont font, double x, double y, double width)
    {
        var height = WrappedLineCount(g, text, font, width) * 11.5;
        new XTextFormatter(g).DrawString(text, font, Ink, new XRect(x, y, width, height + 2), XStringFormats.TopLeft);
        return y + height;
    }

    private static int WrappedLineCount(XGraphics g, string text, XFont font, double width)
    {
        var count = 1;
        var line = 0.0;
        var space = g.MeasureString(" ", font).Width;
        foreach (var word in text.Split(' '))
        {
            var w = g.MeasureString(word, font).Width;
            if (line > 0 && line + space + w > width)
            {
                count++;
                line = w;
            }
            else
            {
                line += (line > 0 ? space : 0) + w;
            }
        }
        return count;
    }

    /// <summary>A4 pages, a new one when the next block would run past the bottom margin.</summary>
    private sealed class Page(PdfDocument document)
    {
        private XGraphics? _graphics;
        private PdfPage? _page;

        public double Y { get; set; } = Margin;
        public double Width => Current.Width.Point;
        public XGraphics Graphics => _graphics ??= XGraphics.FromPdfPage(Current);

        private PdfPage Current => _page ??= NewPage();

        public void EnsureRoom(double height)
        {
            if (Y + height > Current.Height.Point - Margin)
            {
                _graphics?.Dispose();
                _graphics = null;
                _page = NewPage();
                Y = Margin;
            }
        }

        private PdfPage NewPage()
        {
            var page = document.AddPage();
            page.Size = PdfSharp.PageSize.A4;
            return page;
        }
    }

    private static void UseBundledFonts()
    {
        lock (FontsLock)
        {
            GlobalFontSettings.FontResolver ??= new BundledFonts();
        }
    }

    /// <summary>DejaVu Sans regular and bold from the assembly's resources, for every family asked for.</summary>
    private sealed class BundledFonts : IFontResolver
    {
        private static readonly Dictionary<string, byte[]> Faces = new()
        {
            ["DejaVuSans"] = Load("DejaVuSans.ttf"),
            ["DejaVuSans-Bold"] = Load("DejaVuSans-Bold.ttf"),
        };

        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[] GetFont(string faceName) => Faces[faceName];

        private static byte[] Load(string file)
        {
            var assembly = Assembly.GetExecutingAssembly();
            using var stream = assembly.GetManifestResourceStream($"Billing.Domain.Invoicing.Pdf.Fonts.{file}")
                ?? throw new InvalidOperationException($"The bundled font {file} is missing from {assembly.GetName().Name}.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
