using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;
using Billing.Domain.Audit;
using Billing.Domain.Common;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Payments;

/// <summary>One credit line of a bank statement: money that came in.</summary>
public sealed record StatementLine(int Line, DateOnly BookingDate, decimal Amount, string Currency, string? Reference, string? Payer,
    string BankTransactionId);

public enum StatementLineOutcome { Matched, Duplicate, Ambiguous, Unmatched, Refused }

/// <summary>What became of one line: the invoice it paid, or why it was not applied.</summary>
public sealed record StatementLineResult(StatementLine Line, StatementLineOutcome Outcome, Guid? InvoiceId, string? InvoiceNumber, Guid? PaymentId,
    string? Reason);

/// <summary>
/// Reads bank statements (ISO 20022 CAMT.053, the standard export of Romanian banks, and a documented CSV) and applies
/// each incoming transfer to the invoice it pays. A line matches by an invoice number in its reference; else by the
/// exact amount due of one open invoice of a client whose name is the payer's. More than one candidate is ambiguous
/// and is never applied; no candidate is unmatched. The bank transaction id is the payment's transaction id
/// (<c>bank:&lt;id&gt;</c>), so importing a statement again changes nothing. Each line is recorded in its own transaction
/// through <see cref="PaymentService"/> (all its rules: currency, overpayment, cancelled invoices): one bad line is
/// that line's problem.
/// </summary>
public sealed partial class BankStatements(BillingDbContext db, PaymentService payments)
{
    public const int MaxBytes = 5 * 1024 * 1024;

    public async Task<List<StatementLineResult>> ImportAsync(IReadOnlyList<StatementLine> lines, Actor actor, CancellationToken ct)
    {
        var results = new List<StatementLineResult>();
        foreach (var line in lines)
        {
            results.Add(await ApplyAsync(line, actor, ct));
            db.ChangeTracker.Clear();
        }
        return results;
    }

    private async Task<StatementLineResult> ApplyAsync(StatementLine line, Actor actor, CancellationToken ct)
    {
        var transactionId = "bank:" + line.BankTransactionId;
        if (await db.Payments.AsNoTracking().Where(p => p.TransactionId == transactionId).Select(p => new { p.Id, p.InvoiceId, p.Invoice!.Number })
                .SingleOrDefaultAsync(ct) is { } known)
        {
            return new(line, StatementLineOutcome.Duplicate, known.InvoiceId, known.Number, known.Id, "Already imported.");
        }
        var candidates = await CandidatesAsync(line, ct);
        if (candidates.Count != 1)
        {
            return candidates.Count == 0
                ? new(line, StatementLineOutcome.Unmatched, null, null, null, "No invoice number in the reference, and no single open invoice of the payer for this amount.")
                : new(line, StatementLineOutcome.Ambiguous, null, null, null,
                    "Could be any of: " + string.Join(", ", candidates.Select(c => c.Number ?? c.Id.ToString())) + ". Record it by hand.");
        }
        var invoice = candidates[0];
        var paidAt = new DateTimeOffset(line.BookingDate.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var result = await payments.RecordAsync(new PaymentService.NewPayment(invoice.Id, line.Amount, line.Currency, PaymentMethod.Transfer,
            PaymentStatus.Completed, transactionId, paidAt, line.Reference), actor, ct);
        return result.Outcome switch
        {
            PaymentService.Outcome.Recorded => new(line, StatementLineOutcome.Matched, invoice.Id, invoice.Number, result.Payment!.Id, null),
            PaymentService.Outcome.AlreadyRecorded => new(line, StatementLineOutcome.Duplicate, invoice.Id, invoice.Number, result.Payment!.Id,
                "Already imported."),
            _ => new(line, StatementLineOutcome.Refused, invoice.Id, invoice.Number, null, result.Reason ?? "Refused."),
        };
    }

    /// <summary>By invoice number in the reference (any status: a payment of a paid invoice is still its own); else by exact amount due and payer.</summary>
    private async Task<List<Invoice>> CandidatesAsync(StatementLine line, CancellationToken ct)
    {
        var numbers = InvoiceNumberPattern().Matches(line.Reference ?? "").Select(m => m.Value.ToUpperInvariant()).Distinct().ToList();
        if (numbers.Count > 0)
        {
            var byNumber = await db.Invoices.AsNoTracking().Where(i => i.Number != null && numbers.Contains(i.Number)).ToListAsync(ct);
            if (byNumber.Count > 0)
            {
                return byNumber;
            }
        }
        var payer = Normalize(line.Payer);
        if (payer.Length == 0)
        {
            return [];
        }
        var sameAmount = await db.Invoices.AsNoTracking()
            .Where(i => (i.Status == InvoiceStatus.Pending || i.Status == InvoiceStatus.Overdue) && i.Currency == line.Currency && i.AmountDue == line.Amount)
            .ToListAsync(ct);
        return sameAmount.Where(i => Normalize(i.ClientName) == payer).ToList();
    }

    /// <summary>Case, accents, punctuation and legal-form dots do not matter: "S.C. Clinica Dr. Șerban S.R.L." = "SC CLINICA DR SERBAN SRL".</summary>
    private static string Normalize(string? name)
    {
        var decomposed = (name ?? "").Normalize(NormalizationForm.FormD);
        var text = new StringBuilder();
        foreach (var c in decomposed)
        {
            if (char.IsLetterOrDigit(c))
            {
                text.Append(char.ToUpperInvariant(c));
            }
            else if (char.IsWhiteSpace(c) && text.Length > 0 && text[^1] != ' ')
            {
                text.Append(' ');
            }
        }
        return text.ToString().Trim();
    }

    // Invoice numbers look like VAI-2025-000123 (series, year, sequence).
    [GeneratedRegex(@"\b[A-Za-z]{2,10}-\d{4}-\d{3,}\b")]
    private static partial Regex InvoiceNumberPattern();

    /// <summary>Reads a statement file: CAMT.053 XML when it starts with '&lt;', else the CSV.</summary>
    public static List<StatementLine> Parse(byte[] content)
    {
        if (content.Length > MaxBytes)
        {
            throw new InvalidInputException("file", $"A statement is at most {MaxBytes / (1024 * 1024)} MB.");
        }
        var start = content.AsSpan().TrimStart("\uFEFF"u8).TrimStart(" \t\r\n"u8);
        return start.Length > 0 && start[0] == (byte)'<' ? Camt053.Parse(content) : StatementCsv.Parse(content);
    }
}

/// <summary>
/// ISO 20022 <c>BkToCstmrStmt</c> (camt.053). A statement is validated first against the ISO schema of its version,
/// shipped in <c>Payments/Schemas</c> (<see cref="ValidatedNamespaces"/>: 001.02, what most Romanian banks still
/// export, 001.03, 001.04, 001.08 and 001.10), and refused whole when it is not valid; a version we ship no schema for
/// is refused, never read unchecked. Elements are then read by local name. Only credit entries (<c>CdtDbtInd</c> =
/// CRDT) that are booked are payments to us; the bank's id is the entry's <c>AcctSvcrRef</c> (or the transaction's),
/// the reference the structured or unstructured remittance information, the payer the debtor. An entry holding several
/// transactions (<c>TxDtls</c>, a batch booking) is one line per transaction, each with its own amount, reference and
/// payer; their amounts must add up to the entry's.
/// </summary>
public static class Camt053
{
    private const string NamespacePrefix = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.";

    /// <summary>The camt.053 versions read: each is validated against its ISO 20022 schema, shipped with the app.</summary>
    public static readonly IReadOnlySet<string> ValidatedNamespaces =
        new[] { "02", "03", "04", "08", "10" }.Select(v => NamespacePrefix + v).ToHashSet(StringComparer.Ordinal);

    // Compiled on first use, one set per version (each defines its own Document).
    private static readonly Dictionary<string, Lazy<XmlSchemaSet>> Schemas = ValidatedNamespaces.ToDictionary(ns => ns,
        ns => new Lazy<XmlSchemaSet>(() => CompileSchema(ns), LazyThreadSafetyMode.ExecutionAndPublication), StringComparer.Ordinal);

    private static XmlSchemaSet CompileSchema(string ns)
    {
        var name = $"camt.053.001.{ns[NamespacePrefix.Length..]}";
        var set = new XmlSchemaSet { XmlResolver = null };
        using var stream = typeof(Camt053).Assembly.GetManifestResourceStream($"Payments/Schemas/{name}.xsd")
                           ?? throw new InvalidOperationException($"The {name} schema is not embedded in Billing.Domain.");
        using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        set.Add(null, reader);
        set.Compile();
        return set;
    }

    private static void Validate(XDocument document, string version)
    {
        var errors = new List<string>();
        document.Validate(Schemas[document.Root!.Name.NamespaceName].Value, (_, e) =>
        {
            if (e.Severity == XmlSeverityType.Error && errors.Count < 5)
            {
                errors.Add(e.Exception.LineNumber > 0 ? $"line {e.Exception.LineNumber}: {e.Message}" : e.Message);
            }
        });
        if (errors.Count > 0)
        {
            throw new InvalidInputException("file", $"Not a valid {version} statement (ISO 20022 schema): {string.Join(" | ", errors)}");
        }
    }

    public static List<StatementLine> Parse(byte[] content)
    {
        XDocument document;
        try
        {
            using var stream = new MemoryStream(content);
            // No DTDs, no external entities: a statement is data, never instructions to the parser.
            using var reader = XmlReader.Create(stream, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
            document = XDocument.Load(reader, LoadOptions.SetLineInfo);
        }
        catch (XmlException e)
        {
            throw new InvalidInputException("file", $"Not well-formed XML (line {e.LineNumber}): {e.Message}");
        }
        if (document.Root?.Name.NamespaceName.Contains("camt.053", StringComparison.Ordinal) != true)
        {
            throw new InvalidInputException("file", "Expected an ISO 20022 camt.053 statement (Document in a urn:iso:std:iso:20022:tech:xsd:camt.053.* namespace).");
        }
        var version = document.Root.Name.NamespaceName;
        if (!ValidatedNamespaces.Contains(version))
        {
            throw new InvalidInputException("file", $"{version[(version.LastIndexOf(':') + 1)..]} is a camt.053 version we hold no ISO schema for: " +
                $"send camt.053 {string.Join(", ", ValidatedNamespaces.Select(v => "001." + v[NamespacePrefix.Length..]))} or the CSV export.");
        }
        Validate(document, version[(version.LastIndexOf(':') + 1)..]);
        var lines = new List<StatementLine>();
        var number = 0;
        foreach (var entry in document.Descendants().Where(e => e.Name.LocalName == "Ntry"))
        {
            number++;
            // Booked credits only: <Sts>BOOK</Sts> (camt.053.001.02) or <Sts><Cd>BOOK</Cd></Sts> (later versions).
            var status = Text(entry, "Sts") ?? Text(Child(entry, "Sts"), "Cd");
            if (Text(entry, "CdtDbtInd") != "CRDT" || (status is not null && status != "BOOK"))
            {
                continue;
            }
            var amountElement = Child(entry, "Amt")
                ?? throw new InvalidInputException("file", $"Entry {number} has no Amt.");
            if (!decimal.TryParse(amountElement.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount) || amount <= 0)
            {
                throw new InvalidInputException("file", $"Entry {number}: '{amountElement.Value}' is not an amount.");
            }
            var booked = Descendant(entry, "BookgDt") is { } bookingDate ? Text(bookingDate, "Dt") ?? Text(bookingDate, "DtTm")?[..10] : null;
            if (booked is null || !DateOnly.TryParseExact(booked, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new InvalidInputException("file", $"Entry {number} has no booking date (BookgDt).");
            }
            var currency = amountElement.Attribute("Ccy")?.Value ?? "";
            var transactions = entry.Descendants().Where(e => e.Name.LocalName == "TxDtls").ToList();
            if (transactions.Count > 1)
            {
                lines.AddRange(Split(number, date, amount, currency, Text(entry, "AcctSvcrRef"), transactions));
                continue;
            }
            var bankId = Text(entry, "AcctSvcrRef") ?? DescendantText(entry, "AcctSvcrRef") ?? DescendantText(entry, "EndToEndId")
                ?? throw new InvalidInputException("file", $"Entry {number} has no bank reference (AcctSvcrRef).");
            lines.Add(new StatementLine(number, date, amount, currency, ReferenceOf(entry), PayerOf(entry), bankId));
        }
        return lines;
    }

    /// <summary>
    /// A batch booking: one line per transaction. Its bank id is the transaction's own <c>AcctSvcrRef</c> when every
    /// transaction has a distinct one, else the entry's with the transaction's position (stable, so a replay still
    /// changes nothing). An entry whose transactions lack amounts or do not add up is refused: splitting it by guess
    /// would pay the wrong invoices.
    /// </summary>
    private static IEnumerable<StatementLine> Split(int number, DateOnly date, decimal amount, string currency, string? entryId, List<XElement> transactions)
    {
        var ownIds = transactions.Select(t => DescendantText(Child(t, "Refs"), "AcctSvcrRef")).ToList();
        var useOwnIds = ownIds.All(id => id is not null) && ownIds.Distinct(StringComparer.Ordinal).Count() == ownIds.Count;
        if (!useOwnIds && entryId is null)
        {
            throw new InvalidInputException("file", $"Entry {number} holds {transactions.Count} transactions without distinct bank references (AcctSvcrRef).");
        }
        var lines = new List<StatementLine>();
        for (var i = 0; i < transactions.Count; i++)
        {
            var tx = transactions[i];
            // camt.053.001.10 puts the amount in TxDtls/Amt, 001.02 in TxDtls/AmtDtls/TxAmt/Amt.
            var txAmount = Child(tx, "Amt") ?? Child(Child(Child(tx, "AmtDtls"), "TxAmt"), "Amt")
                ?? throw new InvalidInputException("file", $"Entry {number}: transaction {i + 1} of {transactions.Count} has no amount, so the entry cannot be split.");
            if (!decimal.TryParse(txAmount.Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) || value <= 0
                || (txAmount.Attribute("Ccy")?.Value ?? currency) != currency)
            {
                throw new InvalidInputException("file", $"Entry {number}: transaction {i + 1} has no positive amount in {currency}.");
            }
            lines.Add(new StatementLine(number, date, value, currency, ReferenceOf(tx), PayerOf(tx),
                useOwnIds ? ownIds[i]! : $"{entryId}/{(i + 1).ToString(CultureInfo.InvariantCulture)}"));
        }
        var sum = lines.Sum(l => l.Amount);
        if (sum != amount)
        {
            throw new InvalidInputException("file",
                $"Entry {number}: its {transactions.Count} transactions add up to {sum.ToString(CultureInfo.InvariantCulture)}, not the entry's {amount.ToString(CultureInfo.InvariantCulture)}.");
        }
        return lines;
    }

    private static string? ReferenceOf(XElement scope) => DescendantText(scope, "Ustrd") ?? DescendantText(Descendant(scope, "CdtrRefInf"), "Ref");

    // The debtor's name: Dbtr/Nm (001.02) or Dbtr/Pty/Nm (later versions).
    private static string? PayerOf(XElement scope) => DescendantText(Descendant(Descendant(scope, "RltdPties"), "Dbtr"), "Nm");

    private static XElement? Child(XElement? parent, string localName) => parent?.Elements().FirstOrDefault(e => e.Name.LocalName == localName);

    private static string? Text(XElement? parent, string localName) =>
        Child(parent, localName) is { HasElements: false } element && element.Value.Trim() is { Length: > 0 } value ? value : null;

    private static XElement? Descendant(XElement? parent, string localName) => parent?.Descendants().FirstOrDefault(e => e.Name.LocalName == localName);

    private static string? DescendantText(XElement? parent, string localName) =>
        Descendant(parent, localName)?.Value.Trim() is { Length: > 0 } value ? value : null;
}

/// <summary>
/// The documented CSV: a header line, then <c>booking date, amount, currency, reference, payer, bank transaction id</c>
/// (in that order); separator <c>;</c> or <c>,</c> (from the header); UTF-8 (with or without BOM) or Windows-1250; the
/// amount with a decimal comma or point and optional thousands separators (<c>1.234,56</c>, <c>1,234.56</c>); the date
/// <c>yyyy-MM-dd</c> or <c>dd.MM.yyyy</c>. Only positive amounts (money in) are payments; others are skipped.
/// </summary>
public static class StatementCsv
{
    static StatementCsv() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static List<StatementLine> Parse(byte[] content)
    {
        var text = Decode(content);
        var rows = text.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        if (rows.Count == 0 || rows[0].Length == 0)
        {
            throw new InvalidInputException("file", "Empty statement: expected a header line.");
        }
        var separator = rows[0].Contains(';') ? ';' : ',';
        var lines = new List<StatementLine>();
        for (var i = 1; i < rows.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(rows[i]))
            {
                continue;
            }
            var cells = Split(rows[i], separator);
            if (cells.Count != 6)
            {
                throw new InvalidInputException("file", $"Line {i + 1}: expected 6 columns (booking date, amount, currency, reference, payer, bank transaction id), found {cells.Count}.");
            }
            if (!DateOnly.TryParseExact(cells[0], ["yyyy-MM-dd", "dd.MM.yyyy"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            {
                throw new InvalidInputException("file", $"Line {i + 1}: '{cells[0]}' is not a booking date (yyyy-MM-dd or dd.MM.yyyy).");
            }
            var amount = Amount(cells[1]) ?? throw new InvalidInputException("file", $"Line {i + 1}: '{cells[1]}' is not an amount.");
            if (cells[5].Length == 0)
            {
                throw new InvalidInputException("file", $"Line {i + 1}: the bank transaction id is empty.");
            }
            if (amount > 0)
            {
                lines.Add(new StatementLine(i + 1, date, amount, cells[2].ToUpperInvariant(), Empty(cells[3]), Empty(cells[4]), cells[5]));
            }
        }
        return lines;
    }

    /// <summary>UTF-8 when the bytes are valid UTF-8; otherwise Windows-1250 (Central European: ă, ș, ț in older exports).</summary>
    private static string Decode(byte[] content)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException)
        {
            return Encoding.GetEncoding(1250).GetString(content);
        }
    }

    /// <summary>The last ',' or '.' followed by 1–2 digits is the decimal separator; any other ',', '.', ' ' or '\'' groups thousands.</summary>
    public static decimal? Amount(string text)
    {
        var value = text.Trim().Replace(" ", "", StringComparison.Ordinal).Replace("'", "", StringComparison.Ordinal);
        var last = value.LastIndexOfAny([',', '.']);
        var decimals = last >= 0 && value.Length - last - 1 is 1 or 2 ? last : -1;
        var digits = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (i == decimals)
            {
                digits.Append('.');
            }
            else if (char.IsDigit(c) || (c is '-' or '+' && i == 0))
            {
                digits.Append(c);
            }
            else if (c is not (',' or '.'))
            {
                return null;
            }
        }
        return decimal.TryParse(digits.ToString(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            && Money.Round(amount) == amount ? amount : null;
    }

    private static string? Empty(string value) => value.Length == 0 ? null : value;

    /// <summary>RFC 4180 cells: quoted cells may hold the separator and doubled quotes.</summary>
    private static List<string> Split(string row, char separator)
    {
        var cells = new List<string>();
        var cell = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < row.Length; i++)
        {
            var c = row[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < row.Length && row[i + 1] == '"')
                {
                    cell.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    cell.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == separator)
            {
                cells.Add(cell.ToString().Trim());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }
        cells.Add(cell.ToString().Trim());
        return cells;
    }
}
