using System.Globalization;
using System.Xml;
using System.Xml.Linq;
using System.Xml.XPath;
using Billing.Domain.Parties;

namespace Billing.Domain.EFactura;

/// <summary>
/// The EN 16931 and CIUS-RO business rules that apply to what we produce, checked on the XML itself (so a stored
/// document is checked exactly as it will be sent). Rule ids and semantics follow the official schematrons
/// (EN16931-UBL-model.sch, RO16931-rules.sch 1.0.8/1.0.9): lengths use normalize-space, BR-CO-17 and BR-S-09 allow
/// the schematron's one-unit window. Every failed rule is returned, not only the first.
/// </summary>
public static class EFacturaRules
{
    public static IReadOnlyList<EFacturaFinding> Check(XDocument document)
    {
        var root = document.Root;
        if (root is null) return [new EFacturaFinding("UBL-XSD", "The document has no root element.")];
        var findings = new List<EFacturaFinding>();
        var context = new Context(root, findings);
        Mandatory(context);
        Romanian(context);
        Lengths(context);
        Decimals(context);
        Totals(context);
        VatCategories(context);
        Identifiers(context);
        return findings;
    }

    private sealed class Context(XElement root, List<EFacturaFinding> findings)
    {
        // Per check: a namespace manager is not documented as safe for concurrent readers.
        private readonly XmlNamespaceManager ns = Namespaces();
        public XElement Root { get; } = root;
        public bool IsInvoice { get; } = root.Name.NamespaceName == UblSchemas.InvoiceNamespace;
        public string LinePath => IsInvoice ? "cac:InvoiceLine" : "cac:CreditNoteLine";
        public string Currency => Text("cbc:DocumentCurrencyCode") ?? string.Empty;

        public IEnumerable<XElement> All(string path, XElement? from = null) => (from ?? Root).XPathSelectElements(path, ns);
        public XElement? One(string path, XElement? from = null) => All(path, from).FirstOrDefault();
        public string? Text(string path, XElement? from = null) => One(path, from) is { } e ? Normalize(e.Value) : null;
        public bool Has(string path, XElement? from = null) => !string.IsNullOrEmpty(Text(path, from));

        public void Fail(string rule, string message, string? path = null) => findings.Add(new EFacturaFinding(rule, message, path));

        public void Require(bool condition, string rule, string message, string? path = null)
        {
            if (!condition) Fail(rule, message, path);
        }

        /// <summary>The amount at <paramref name="path"/>, or null when absent or not a number.</summary>
        public decimal? Amount(string path, XElement? from = null) =>
            Text(path, from) is { } text && decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
                ? value : null;
    }

    private const string Seller = "cac:AccountingSupplierParty/cac:Party";
    private const string Buyer = "cac:AccountingCustomerParty/cac:Party";

    private static void Mandatory(Context c)
    {
        c.Require(c.Has("cbc:ID"), "BR-02", "The invoice number (BT-1) is missing.", "cbc:ID");
        c.Require(c.Has("cbc:IssueDate"), "BR-03", "The issue date (BT-2) is missing.", "cbc:IssueDate");
        c.Require(c.Has(c.IsInvoice ? "cbc:InvoiceTypeCode" : "cbc:CreditNoteTypeCode"), "BR-04", "The type code (BT-3) is missing.");
        c.Require(c.Has("cbc:DocumentCurrencyCode"), "BR-05", "The currency code (BT-5) is missing.", "cbc:DocumentCurrencyCode");
        c.Require(c.Has($"{Seller}/cac:PartyLegalEntity/cbc:RegistrationName"), "BR-06", "The seller's legal name (BT-27) is missing.", Seller);
        c.Require(c.Has($"{Buyer}/cac:PartyLegalEntity/cbc:RegistrationName"), "BR-07", "The buyer's legal name (BT-44) is missing.", Buyer);
        c.Require(c.One($"{Seller}/cac:PostalAddress") is not null, "BR-08", "The seller's postal address (BG-5) is missing.", Seller);
        c.Require(c.Has($"{Seller}/cac:PostalAddress/cac:Country/cbc:IdentificationCode"), "BR-09", "The seller's country code (BT-40) is missing.", Seller);
        c.Require(c.One($"{Buyer}/cac:PostalAddress") is not null, "BR-10", "The buyer's postal address (BG-8) is missing.", Buyer);
        c.Require(c.Has($"{Buyer}/cac:PostalAddress/cac:Country/cbc:IdentificationCode"), "BR-11", "The buyer's country code (BT-55) is missing.", Buyer);
        c.Require(c.All(c.LinePath).Any(), "BR-16", "The document has no line (BG-25).", c.LinePath);
        c.Require(c.Has($"{Seller}/cac:PartyLegalEntity/cbc:CompanyID") || c.Has($"{Seller}/cac:PartyTaxScheme/cbc:CompanyID"),
            "BR-CO-26", "The seller needs a legal registration identifier (BT-30) or a VAT identifier (BT-31).", Seller);
        c.Require(c.All("cac:TaxTotal/cac:TaxSubtotal").Any(), "BR-CO-18", "The document has no VAT breakdown (BG-23).", "cac:TaxTotal");
        foreach (var period in c.All($"cac:InvoicePeriod | {c.LinePath}/cac:InvoicePeriod"))
        {
            var start = c.Text("cbc:StartDate", period);
            var end = c.Text("cbc:EndDate", period);
            if (start is not null && end is not null)
                c.Require(string.CompareOrdinal(end, start) >= 0, period.Parent == c.Root ? "BR-29" : "BR-30",
                    $"The period ends ({end}) before it starts ({start}).", "cac:InvoicePeriod");
        }
        foreach (var means in c.All("cac:PaymentMeans"))
        {
            if (c.Text("cbc:PaymentMeansCode", means) is "30" or "58")
                c.Require(c.Has("cac:PayeeFinancialAccount/cbc:ID", means), "BR-61",
                    "A credit transfer needs the payment account identifier (BT-84, the IBAN).", "cac:PaymentMeans");
        }
        foreach (var (line, i) in c.All(c.LinePath).Select((l, i) => (l, i + 1)))
        {
            var at = $"{c.LinePath}[{i}]";
            c.Require(c.Has("cbc:ID", line), "BR-21", $"Line {i} has no identifier (BT-126).", at);
            c.Require(c.Has(c.IsInvoice ? "cbc:InvoicedQuantity" : "cbc:CreditedQuantity", line), "BR-22", $"Line {i} has no quantity (BT-129).", at);
            c.Require(c.Has("cbc:LineExtensionAmount", line), "BR-24", $"Line {i} has no net amount (BT-131).", at);
            c.Require(c.Has("cac:Item/cbc:Name", line), "BR-25", $"Line {i} has no item name (BT-153).", at);
            c.Require(c.Amount("cac:Price/cbc:PriceAmount", line) is >= 0, "BR-27", $"Line {i}'s net price (BT-146) is missing or negative.", at);
            c.Require(c.Has("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", line), "BR-CO-04", $"Line {i} has no VAT category (BT-151).", at);
        }
    }

    private static void Romanian(Context c)
    {
        c.Require(c.Text("cbc:CustomizationID") == UblWriter.CustomizationId, "BR-RO-001",
            $"The specification identifier (BT-24) must be {UblWriter.CustomizationId}.", "cbc:CustomizationID");
        c.Require(c.Text("cbc:ID") is { } id && id.Any(char.IsAsciiDigit), "BR-RO-010",
            "The document number (BT-1) must contain at least one digit.", "cbc:ID");
        var typeCode = c.Text(c.IsInvoice ? "cbc:InvoiceTypeCode" : "cbc:CreditNoteTypeCode");
        c.Require(c.IsInvoice ? typeCode is "380" or "384" or "389" or "751" : typeCode is "381", "BR-RO-020",
            $"The type code (BT-3) '{typeCode}' is not one CIUS-RO allows ({(c.IsInvoice ? "380, 384, 389, 751" : "381")}).");
        var taxCurrency = c.Text("cbc:TaxCurrencyCode");
        c.Require(c.Currency == "RON" || taxCurrency == "RON", "BR-RO-030",
            $"A document in {c.Currency} must state its VAT accounting currency (BT-6) as RON.", "cbc:TaxCurrencyCode");
        foreach (var code in c.All($"cac:InvoicePeriod/cbc:DescriptionCode | {c.LinePath}/cac:InvoicePeriod/cbc:DescriptionCode"))
            c.Require(Normalize(code.Value) is "3" or "35" or "432", "BR-RO-040", $"The VAT point date code (BT-8) '{code.Value}' is not 3, 35 or 432.");
        c.Require(c.All("cbc:Note").Count() <= 20, "BR-RO-A020", "At most 20 notes (BG-1) are allowed.", "cbc:Note");

        c.Require(c.Has($"{Seller}/cac:PartyTaxScheme/cbc:CompanyID"), "BR-RO-065",
            "The seller's VAT identifier (BT-31) or fiscal registration identifier (BT-32) must be present.", Seller);
        c.Require(c.Has($"{Buyer}/cac:PartyLegalEntity/cbc:CompanyID") || c.Has($"{Buyer}/cac:PartyTaxScheme/cbc:CompanyID"), "BR-RO-120",
            "The buyer's legal registration identifier (BT-47) or VAT identifier (BT-48) must be present.", Buyer);
        Address(c, Seller, "Seller", street: "BR-RO-081", city: "BR-RO-091", sector: "BR-RO-100", county: "BR-RO-110");
        Address(c, Buyer, "Buyer", street: "BR-RO-082", city: "BR-RO-092", sector: "BR-RO-101", county: "BR-RO-111");
    }

    private static void Address(Context c, string party, string role, string street, string city, string sector, string county)
    {
        var address = $"{party}/cac:PostalAddress";
        c.Require(c.Has($"{address}/cbc:StreetName"), street, $"The {role.ToLowerInvariant()}'s address line 1 is missing.", address);
        c.Require(c.Has($"{address}/cbc:CityName"), city, $"The {role.ToLowerInvariant()}'s city is missing.", address);
        if (c.Text($"{address}/cac:Country/cbc:IdentificationCode") != "RO") return;
        var subentity = c.Text($"{address}/cbc:CountrySubentity");
        c.Require(RomanianAddress.IsCounty(subentity), county,
            $"The {role.ToLowerInvariant()}'s county '{subentity}' is not an ISO 3166-2:RO code (RO-CJ, RO-B, ...).", address);
        if (subentity == RomanianAddress.Bucharest)
            c.Require(RomanianAddress.IsCityOf(RomanianAddress.Bucharest, c.Text($"{address}/cbc:CityName")), sector,
                $"A Bucharest {role.ToLowerInvariant()} address needs its sector (SECTOR1 to SECTOR6) as the city.", address);
    }

    // The BR-RO-L limits that apply to the fields we write (RO16931-rules.sch; ids are the schematron's).
    private static readonly (string Rule, string Path, int Limit, string Term)[] DocumentLimits =
    [
        ("BR-RO-L155", "cbc:ID", 200, "The document number (BT-1)"),
        ("BR-RO-L156", "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", 200, "The preceding invoice number (BT-25)"),
        ("BR-RO-L201", $"{Seller}/cac:PartyLegalEntity/cbc:RegistrationName", 200, "The seller's name (BT-27)"),
        ("BR-RO-L203", $"{Buyer}/cac:PartyLegalEntity/cbc:RegistrationName", 200, "The buyer's name (BT-44)"),
        ("BR-RO-L151", $"{Seller}/cac:PostalAddress/cbc:StreetName", 150, "The seller's address line 1 (BT-35)"),
        ("BR-RO-L152", $"{Buyer}/cac:PostalAddress/cbc:StreetName", 150, "The buyer's address line 1 (BT-50)"),
        ("BR-RO-L0501", $"{Seller}/cac:PostalAddress/cbc:CityName", 50, "The seller's city (BT-37)"),
        ("BR-RO-L0502", $"{Buyer}/cac:PostalAddress/cbc:CityName", 50, "The buyer's city (BT-52)"),
        ("BR-RO-L0201", $"{Seller}/cac:PostalAddress/cbc:PostalZone", 20, "The seller's post code (BT-38)"),
        ("BR-RO-L0202", $"{Buyer}/cac:PostalAddress/cbc:PostalZone", 20, "The buyer's post code (BT-53)"),
        ("BR-RO-L1004", $"{Seller}/cac:Contact/cbc:Name", 100, "The seller's contact point (BT-41)"),
        ("BR-RO-L1005", $"{Seller}/cac:Contact/cbc:Telephone", 100, "The seller's contact telephone (BT-42)"),
        ("BR-RO-L1006", $"{Seller}/cac:Contact/cbc:ElectronicMail", 100, "The seller's contact e-mail (BT-43)"),
        ("BR-RO-L1009", $"{Buyer}/cac:Contact/cbc:Name", 100, "The buyer's contact point (BT-56)"),
        ("BR-RO-L1010", $"{Buyer}/cac:Contact/cbc:Telephone", 100, "The buyer's contact telephone (BT-57)"),
        ("BR-RO-L1011", $"{Buyer}/cac:Contact/cbc:ElectronicMail", 100, "The buyer's contact e-mail (BT-58)"),
        ("BR-RO-L1000", $"{Seller}/cac:PartyLegalEntity/cbc:CompanyLegalForm", 1000, "The seller's additional legal information (BT-33)"),
        ("BR-RO-L301", "cac:PaymentTerms/cbc:Note", 300, "The payment terms (BT-20)"),
        ("BR-RO-L208", "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:Name", 200, "The payment account name (BT-85)"),
        ("BR-RO-L140", "cac:PaymentMeans/cbc:PaymentID", 140, "The remittance information (BT-83)"),
    ];

    private static void Lengths(Context c)
    {
        foreach (var (rule, path, limit, term) in DocumentLimits)
            LengthAt(c, rule, path, limit, term, c.Root);
        foreach (var (reason, i) in c.All("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:TaxExemptionReason").Select((e, i) => (e, i + 1)))
            Length(c, "BR-RO-L1019", Normalize(reason.Value), 100, $"VAT exemption reason {i} (BT-120)", "cbc:TaxExemptionReason");
        foreach (var (note, i) in c.All("cbc:Note").Select((e, i) => (e, i + 1)))
            Length(c, "BR-RO-L302", Normalize(note.Value), 300, $"Note {i} (BT-22)", "cbc:Note");
        foreach (var (line, i) in c.All(c.LinePath).Select((l, i) => (l, i + 1)))
        {
            LengthAt(c, "BR-RO-L1024", "cac:Item/cbc:Name", 100, $"Line {i}'s item name (BT-153)", line);
            LengthAt(c, "BR-RO-L303", "cbc:Note", 300, $"Line {i}'s note (BT-127)", line);
        }
    }

    private static void LengthAt(Context c, string rule, string path, int limit, string term, XElement from)
    {
        foreach (var element in c.All(path, from))
            Length(c, rule, Normalize(element.Value), limit, term, path);
    }

    private static void Length(Context c, string rule, string value, int limit, string term, string path) =>
        c.Require(value.Length <= limit, rule, $"{term} is {value.Length} characters long; CIUS-RO allows {limit}.", path);

    private static void Decimals(Context c)
    {
        string[] amounts =
        [
            "cac:LegalMonetaryTotal/cbc:LineExtensionAmount", "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
            "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "cac:LegalMonetaryTotal/cbc:AllowanceTotalAmount",
            "cac:LegalMonetaryTotal/cbc:ChargeTotalAmount", "cac:LegalMonetaryTotal/cbc:PrepaidAmount",
            "cac:LegalMonetaryTotal/cbc:PayableRoundingAmount", "cac:LegalMonetaryTotal/cbc:PayableAmount",
            "cac:TaxTotal/cbc:TaxAmount", "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount",
            "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", $"{c.LinePath}/cbc:LineExtensionAmount",
        ];
        foreach (var path in amounts)
        {
            foreach (var amount in c.All(path))
            {
                var text = Normalize(amount.Value);
                var dot = text.IndexOf('.', StringComparison.Ordinal);
                c.Require(dot < 0 || text.Length - dot - 1 <= 2, "BR-RO-Z2", $"{amount.Name.LocalName} '{text}' has more than 2 decimals.", path);
            }
        }
    }

    private static void Totals(Context c)
    {
        const string total = "cac:LegalMonetaryTotal";
        var lineSum = c.All($"{c.LinePath}/cbc:LineExtensionAmount").Sum(e => Parse(e.Value));
        var lineExtension = c.Amount($"{total}/cbc:LineExtensionAmount");
        var taxExclusive = c.Amount($"{total}/cbc:TaxExclusiveAmount");
        var taxInclusive = c.Amount($"{total}/cbc:TaxInclusiveAmount");
        var payable = c.Amount($"{total}/cbc:PayableAmount");
        var allowances = c.Amount($"{total}/cbc:AllowanceTotalAmount") ?? 0;
        var charges = c.Amount($"{total}/cbc:ChargeTotalAmount") ?? 0;
        var prepaid = c.Amount($"{total}/cbc:PrepaidAmount") ?? 0;
        var rounding = c.Amount($"{total}/cbc:PayableRoundingAmount") ?? 0;
        var vatTotal = c.All("cac:TaxTotal/cbc:TaxAmount").Where(e => (string?)e.Attribute("currencyID") == c.Currency)
            .Select(e => (decimal?)Parse(e.Value)).FirstOrDefault();
        var subtotalSum = c.All("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount")
            .Where(e => (string?)e.Attribute("currencyID") == c.Currency).Sum(e => Parse(e.Value));

        c.Require(lineExtension is not null, "BR-12", "The sum of line net amounts (BT-106) is missing.", total);
        c.Require(taxExclusive is not null, "BR-13", "The total without VAT (BT-109) is missing.", total);
        c.Require(taxInclusive is not null, "BR-14", "The total with VAT (BT-112) is missing.", total);
        c.Require(payable is not null, "BR-15", "The amount due (BT-115) is missing.", total);
        if (lineExtension is { } le)
            c.Require(le == lineSum, "BR-CO-10", $"The sum of line net amounts (BT-106) is {le:0.00}, the lines add up to {lineSum:0.00}.", total);
        if (taxExclusive is { } te && lineExtension is { } le2)
            c.Require(te == le2 - allowances + charges, "BR-CO-13", $"The total without VAT (BT-109) {te:0.00} is not lines − allowances + charges = {le2 - allowances + charges:0.00}.", total);
        if (vatTotal is { } vt)
            c.Require(vt == subtotalSum, "BR-CO-14", $"The total VAT (BT-110) {vt:0.00} is not the sum of the breakdown's VAT, {subtotalSum:0.00}.", "cac:TaxTotal");
        if (taxInclusive is { } ti && taxExclusive is { } te2)
            c.Require(ti == te2 + (vatTotal ?? 0), "BR-CO-15", $"The total with VAT (BT-112) {ti:0.00} is not {te2:0.00} + VAT {vatTotal ?? 0:0.00}.", total);
        if (payable is { } p && taxInclusive is { } ti2)
            c.Require(p == ti2 - prepaid + rounding, "BR-CO-16", $"The amount due (BT-115) {p:0.00} is not {ti2:0.00} − prepaid {prepaid:0.00} + rounding {rounding:0.00}.", total);

        foreach (var (subtotal, i) in c.All("cac:TaxTotal/cac:TaxSubtotal").Select((s, i) => (s, i + 1)))
        {
            var taxable = c.Amount("cbc:TaxableAmount", subtotal) ?? 0;
            var tax = c.Amount("cbc:TaxAmount", subtotal) ?? 0;
            var rate = c.Amount("cac:TaxCategory/cbc:Percent", subtotal);
            // The schematron's BR-CO-17: with a rate, |VAT| lies strictly within one unit of round(|base| × rate, 2);
            // without one (or a zero rate), the VAT rounds to zero.
            var ok = rate is { } r && Math.Round(r) != 0
                ? Math.Abs(Math.Abs(tax) - Math.Round(Math.Abs(taxable) * r / 100, 2, MidpointRounding.AwayFromZero)) < 1
                : Math.Round(tax) == 0;
            c.Require(ok, "BR-CO-17", $"VAT breakdown {i}: VAT {tax:0.00} does not match base {taxable:0.00} × {rate?.ToString(CultureInfo.InvariantCulture) ?? "no rate"}%.", "cac:TaxSubtotal");
        }
    }

    private static void VatCategories(Context c)
    {
        var lines = c.All(c.LinePath).Select(line => (
            Category: c.Text("cac:Item/cac:ClassifiedTaxCategory/cbc:ID", line),
            Rate: c.Amount("cac:Item/cac:ClassifiedTaxCategory/cbc:Percent", line),
            Net: c.Amount("cbc:LineExtensionAmount", line) ?? 0)).ToList();
        var breakdown = c.All("cac:TaxTotal/cac:TaxSubtotal").Select(s => (
            Category: c.Text("cac:TaxCategory/cbc:ID", s),
            Rate: c.Amount("cac:TaxCategory/cbc:Percent", s),
            Taxable: c.Amount("cbc:TaxableAmount", s) ?? 0,
            Tax: c.Amount("cbc:TaxAmount", s) ?? 0,
            HasReason: c.Has("cac:TaxCategory/cbc:TaxExemptionReason", s) || c.Has("cac:TaxCategory/cbc:TaxExemptionReasonCode", s))).ToList();
        var sellerVat = c.All($"{Seller}/cac:PartyTaxScheme").Any(s => c.Text("cac:TaxScheme/cbc:ID", s) == "VAT" && c.Has("cbc:CompanyID", s));
        var buyerVat = c.All($"{Buyer}/cac:PartyTaxScheme").Any(s => c.Text("cac:TaxScheme/cbc:ID", s) == "VAT" && c.Has("cbc:CompanyID", s));

        foreach (var category in lines.Select(l => l.Category).Concat(breakdown.Select(b => b.Category)).Distinct())
        {
            if (category is not ("S" or "O" or "AE"))
                c.Fail("BR-CO-04", $"VAT category '{category}' is not one this system produces (S, O, AE).", "cac:TaxCategory/cbc:ID");
        }

        // Standard rate (BR-S-*).
        if (lines.Any(l => l.Category == "S"))
        {
            c.Require(breakdown.Any(b => b.Category == "S"), "BR-S-01", "Lines at the standard rate need a standard-rate VAT breakdown.", "cac:TaxTotal");
            c.Require(sellerVat, "BR-S-02", "Lines at the standard rate need the seller's VAT identifier (BT-31).", Seller);
        }
        foreach (var line in lines.Where(l => l.Category == "S"))
            c.Require(line.Rate is > 0, "BR-S-05", "A standard-rate line needs a VAT rate above zero.", c.LinePath);
        foreach (var vat in breakdown.Where(b => b.Category == "S"))
        {
            var net = lines.Where(l => l.Category == "S" && l.Rate == vat.Rate).Sum(l => l.Net);
            c.Require(vat.Taxable == net, "BR-S-08", $"The standard-rate base at {vat.Rate}% is {vat.Taxable:0.00}; its lines add up to {net:0.00}.", "cac:TaxSubtotal");
            c.Require(vat.Rate is { } r && Math.Abs(Math.Abs(vat.Tax) - Math.Round(Math.Abs(vat.Taxable) * r / 100, 2, MidpointRounding.AwayFromZero)) < 1,
                "BR-S-09", $"The standard-rate VAT at {vat.Rate}% does not match its base.", "cac:TaxSubtotal");
            c.Require(!vat.HasReason, "BR-S-10", "A standard-rate breakdown must not state an exemption reason.", "cac:TaxSubtotal");
        }

        // Not subject to VAT (BR-O-*): nothing else on the document, no VAT ids, no rate, no VAT.
        if (lines.Any(l => l.Category == "O") || breakdown.Any(b => b.Category == "O"))
        {
            c.Require(breakdown.Any(b => b.Category == "O"), "BR-O-01", "Lines not subject to VAT need a breakdown of category O.", "cac:TaxTotal");
            c.Require(!sellerVat && !buyerVat, "BR-O-02", "A document not subject to VAT must not carry the seller's or the buyer's VAT identifier.", Seller);
            c.Require(breakdown.All(b => b.Category == "O"), "BR-O-11", "A document with a category O breakdown must have no other breakdown.", "cac:TaxTotal");
            c.Require(lines.All(l => l.Category == "O"), "BR-O-12", "A document with a category O breakdown must have only category O lines.", c.LinePath);
        }
        foreach (var line in lines.Where(l => l.Category == "O"))
            c.Require(line.Rate is null, "BR-O-05", "A line not subject to VAT must not state a VAT rate.", c.LinePath);
        foreach (var vat in breakdown.Where(b => b.Category == "O"))
        {
            var net = lines.Where(l => l.Category == "O").Sum(l => l.Net);
            c.Require(vat.Taxable == net, "BR-O-08", $"The base not subject to VAT is {vat.Taxable:0.00}; its lines add up to {net:0.00}.", "cac:TaxSubtotal");
            c.Require(vat.Tax == 0, "BR-O-09", "The VAT of category O must be 0.", "cac:TaxSubtotal");
            c.Require(vat.HasReason, "BR-O-10", "Category O needs an exemption reason (BT-120) or code (BT-121).", "cac:TaxSubtotal");
        }

        // Reverse charge (BR-AE-*).
        if (lines.Any(l => l.Category == "AE"))
        {
            c.Require(breakdown.Any(b => b.Category == "AE"), "BR-AE-01", "Reverse-charge lines need a breakdown of category AE.", "cac:TaxTotal");
            c.Require(sellerVat && (buyerVat || c.Has($"{Buyer}/cac:PartyLegalEntity/cbc:CompanyID")), "BR-AE-02",
                "Reverse charge needs the seller's VAT identifier and the buyer's VAT or legal identifier.", Buyer);
        }
        foreach (var line in lines.Where(l => l.Category == "AE"))
            c.Require(line.Rate == 0, "BR-AE-05", "A reverse-charge line's VAT rate must be 0.", c.LinePath);
        foreach (var vat in breakdown.Where(b => b.Category == "AE"))
        {
            var net = lines.Where(l => l.Category == "AE").Sum(l => l.Net);
            c.Require(vat.Taxable == net, "BR-AE-08", $"The reverse-charge base is {vat.Taxable:0.00}; its lines add up to {net:0.00}.", "cac:TaxSubtotal");
            c.Require(vat.Tax == 0, "BR-AE-09", "The reverse-charge VAT must be 0.", "cac:TaxSubtotal");
            c.Require(vat.HasReason, "BR-AE-10", "Reverse charge needs an exemption reason (BT-120) or code (BT-121).", "cac:TaxSubtotal");
        }
    }

    // Romanian identifiers carry check digits that ANAF verifies; we check them before sending.
    private static void Identifiers(Context c)
    {
        foreach (var (party, role) in new[] { (Seller, "seller"), (Buyer, "buyer") })
        {
            var romanian = c.Text($"{party}/cac:PostalAddress/cac:Country/cbc:IdentificationCode") == "RO";
            foreach (var id in c.All($"{party}/cac:PartyTaxScheme/cbc:CompanyID"))
            {
                var value = Normalize(id.Value);
                if (value.StartsWith("RO", StringComparison.Ordinal) || romanian)
                    c.Require(FiscalCode.IsValidCui(value), "RO-CUI", $"The {role}'s tax identifier '{value}' is not a valid CUI (check digit).", party);
                else
                    c.Require(value.Length > 2 && char.IsAsciiLetterUpper(value[0]) && char.IsAsciiLetterUpper(value[1]), "BR-CO-09",
                        $"The {role}'s VAT identifier '{value}' must start with its country code.", party);
            }
            if (!romanian) continue;
            foreach (var id in c.All($"{party}/cac:PartyLegalEntity/cbc:CompanyID"))
            {
                var value = Normalize(id.Value);
                var valid = value.Length == 13
                    ? value == FiscalCode.PersonWithoutTaxId || RomanianIdentifiers.IsValidCnp(value)
                    : FiscalCode.IsValidCui(value);
                c.Require(valid, "RO-CUI", $"The {role}'s identifier '{value}' is neither a valid CUI nor a CNP (check digit).", party);
            }
        }
    }

    private static decimal Parse(string text) =>
        decimal.TryParse(Normalize(text), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : 0;

    private static string Normalize(string value) => string.Join(' ', value.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static XmlNamespaceManager Namespaces()
    {
        var ns = new XmlNamespaceManager(new NameTable());
        ns.AddNamespace("cac", "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2");
        ns.AddNamespace("cbc", "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2");
        return ns;
    }
}
