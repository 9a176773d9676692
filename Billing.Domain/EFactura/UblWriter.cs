using System.Globalization;
using System.Text;
using System.Xml;

namespace Billing.Domain.EFactura;

/// <summary>
/// Writes a <see cref="UblDocument"/> as a UBL 2.1 Invoice or CreditNote following CIUS-RO, with <c>System.Xml</c>.
/// Elements are written in the order of the schema's <c>xsd:sequence</c>s (UBL-Invoice-2.1.xsd,
/// UBL-CreditNote-2.1.xsd, UBL-CommonAggregateComponents-2.1.xsd); the two document types differ in where
/// TaxPointDate/DueDate go and in their line element names.
/// </summary>
public static class UblWriter
{
    public const string CustomizationId = "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1";
    public const string InvoiceTypeCode = "380";
    public const string CreditNoteTypeCode = "381";
    /// <summary>UNTDID 2005 code 432, "paid to date": the VAT point is the payment (TVA la încasare).</summary>
    public const string VatOnReceiptCode = "432";
    public const string VatOnReceiptNote = "TVA la încasare";
    private const string Cac = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
    private const string Cbc = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";

    /// <summary>The document as UTF-8 bytes (no byte order mark), indented, ending with a newline.</summary>
    public static byte[] Write(UblDocument document)
    {
        var output = new MemoryStream();
        var settings = new XmlWriterSettings
        {
            Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            Indent = true,
            IndentChars = "  ",
            NewLineChars = "\n",
            NewLineHandling = NewLineHandling.Replace,
        };
        using (var xml = XmlWriter.Create(output, settings))
            new Writer(xml, document).Document();
        output.WriteByte((byte)'\n');
        return output.ToArray();
    }

    private sealed class Writer(XmlWriter xml, UblDocument doc)
    {
        private bool IsInvoice => doc.Kind == UblDocumentKind.Invoice;

        public void Document()
        {
            var (root, ns) = IsInvoice ? ("Invoice", UblSchemas.InvoiceNamespace) : ("CreditNote", UblSchemas.CreditNoteNamespace);
            xml.WriteStartDocument();
            xml.WriteStartElement(root, ns);
            xml.WriteAttributeString("xmlns", "cac", null, Cac);
            xml.WriteAttributeString("xmlns", "cbc", null, Cbc);

            Basic("CustomizationID", CustomizationId);
            Basic("ID", doc.Number);
            Basic("IssueDate", Date(doc.IssueDate));
            if (IsInvoice)
            {
                if (doc.DueDate is { } due) Basic("DueDate", Date(due));
                Basic("InvoiceTypeCode", InvoiceTypeCode);
            }
            else
            {
                Basic("CreditNoteTypeCode", CreditNoteTypeCode);
            }
            foreach (var note in doc.Notes) Basic("Note", note);
            Basic("DocumentCurrencyCode", doc.Currency);
            if (doc.TaxCurrency is { } taxCurrency) Basic("TaxCurrencyCode", taxCurrency.Code);
            Period(doc.PeriodStart, doc.PeriodEnd, doc.VatOnReceipt ? VatOnReceiptCode : null);
            if (doc.PrecedingInvoice is { } preceding)
            {
                xml.WriteStartElement("BillingReference", Cac);
                xml.WriteStartElement("InvoiceDocumentReference", Cac);
                Basic("ID", preceding.Number);
                Basic("IssueDate", Date(preceding.IssueDate));
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            Party("AccountingSupplierParty", doc.Seller, seller: true);
            Party("AccountingCustomerParty", doc.Buyer, seller: false);
            if (doc.PaymentMeans is { } means) PaymentMeans(means);
            if (doc.PaymentTerms is { } terms)
            {
                xml.WriteStartElement("PaymentTerms", Cac);
                Basic("Note", terms);
                xml.WriteEndElement();
            }
            TaxTotals();
            MonetaryTotal();
            foreach (var line in doc.Lines) Line(line);

            xml.WriteEndElement();
            xml.WriteEndDocument();
        }

        private void Period(DateOnly start, DateOnly end, string? descriptionCode)
        {
            xml.WriteStartElement("InvoicePeriod", Cac);
            Basic("StartDate", Date(start));
            Basic("EndDate", Date(end));
            if (descriptionCode is not null) Basic("DescriptionCode", descriptionCode);
            xml.WriteEndElement();
        }

        private void Party(string role, UblParty party, bool seller)
        {
            xml.WriteStartElement(role, Cac);
            xml.WriteStartElement("Party", Cac);

            xml.WriteStartElement("PostalAddress", Cac);
            Basic("StreetName", party.Street);
            Basic("CityName", party.City);
            if (party.PostalCode is { Length: > 0 } zip) Basic("PostalZone", zip);
            if (party.County is { Length: > 0 } county) Basic("CountrySubentity", county);
            xml.WriteStartElement("Country", Cac);
            Basic("IdentificationCode", party.CountryCode);
            xml.WriteEndElement();
            xml.WriteEndElement();

            // BT-31/BT-48 under the VAT scheme; a seller without a VAT id states its fiscal code (BT-32) under
            // another scheme, since CIUS-RO (BR-RO-065) wants one of the two.
            if (party.VatId is { Length: > 0 } vatId)
                TaxScheme(vatId, "VAT");
            else if (seller && party.LegalId is { Length: > 0 } fiscalCode)
                TaxScheme(fiscalCode, "FC");

            xml.WriteStartElement("PartyLegalEntity", Cac);
            Basic("RegistrationName", party.LegalName);
            if (party.LegalId is { Length: > 0 } legalId) Basic("CompanyID", legalId);
            if (seller && party.AdditionalLegalInfo is { Length: > 0 } legal) Basic("CompanyLegalForm", legal);
            xml.WriteEndElement();

            if (party.ContactName is { Length: > 0 } || party.Phone is { Length: > 0 } || party.Email is { Length: > 0 })
            {
                xml.WriteStartElement("Contact", Cac);
                if (party.ContactName is { Length: > 0 } name) Basic("Name", name);
                if (party.Phone is { Length: > 0 } phone) Basic("Telephone", phone);
                if (party.Email is { Length: > 0 } email) Basic("ElectronicMail", email);
                xml.WriteEndElement();
            }

            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        private void TaxScheme(string companyId, string scheme)
        {
            xml.WriteStartElement("PartyTaxScheme", Cac);
            Basic("CompanyID", companyId);
            xml.WriteStartElement("TaxScheme", Cac);
            Basic("ID", scheme);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        private void PaymentMeans(UblPaymentMeans means)
        {
            xml.WriteStartElement("PaymentMeans", Cac);
            Basic("PaymentMeansCode", UblPaymentMeans.CreditTransfer);
            if (means.RemittanceInformation is { Length: > 0 } remittance) Basic("PaymentID", remittance);
            xml.WriteStartElement("PayeeFinancialAccount", Cac);
            Basic("ID", means.Iban);
            if (means.AccountName is { Length: > 0 } name) Basic("Name", name);
            if (means.Bic is { Length: > 0 } bic)
            {
                xml.WriteStartElement("FinancialInstitutionBranch", Cac);
                Basic("ID", bic);
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        private void TaxTotals()
        {
            xml.WriteStartElement("TaxTotal", Cac);
            Amount("TaxAmount", doc.Totals.VatTotal);
            foreach (var vat in doc.VatBreakdown)
            {
                xml.WriteStartElement("TaxSubtotal", Cac);
                Amount("TaxableAmount", vat.TaxableAmount);
                Amount("TaxAmount", vat.TaxAmount);
                xml.WriteStartElement("TaxCategory", Cac);
                Basic("ID", vat.Category);
                if (vat.Rate is { } rate) Basic("Percent", Percent(rate));
                if (vat.ExemptionReasonCode is { Length: > 0 } code) Basic("TaxExemptionReasonCode", code);
                if (vat.ExemptionReason is { Length: > 0 } reason) Basic("TaxExemptionReason", reason);
                VatScheme();
                xml.WriteEndElement();
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            // BT-111: the same VAT in the VAT accounting currency, a TaxTotal without subtotals.
            if (doc.TaxCurrency is { } taxCurrency)
            {
                xml.WriteStartElement("TaxTotal", Cac);
                Amount("TaxAmount", taxCurrency.VatAmount, taxCurrency.Code);
                xml.WriteEndElement();
            }
        }

        private void MonetaryTotal()
        {
            var totals = doc.Totals;
            xml.WriteStartElement("LegalMonetaryTotal", Cac);
            Amount("LineExtensionAmount", totals.LineExtension);
            Amount("TaxExclusiveAmount", totals.TaxExclusive);
            Amount("TaxInclusiveAmount", totals.TaxInclusive);
            if (totals.Prepaid != 0) Amount("PrepaidAmount", totals.Prepaid);
            Amount("PayableAmount", totals.Payable);
            xml.WriteEndElement();
        }

        private void Line(UblLine line)
        {
            xml.WriteStartElement(IsInvoice ? "InvoiceLine" : "CreditNoteLine", Cac);
            Basic("ID", line.Id);
            if (line.Note is { Length: > 0 } note) Basic("Note", note);
            xml.WriteStartElement(IsInvoice ? "InvoicedQuantity" : "CreditedQuantity", Cbc);
            xml.WriteAttributeString("unitCode", line.UnitCode);
            xml.WriteString(Quantity(line.Quantity));
            xml.WriteEndElement();
            Amount("LineExtensionAmount", line.NetAmount);
            if (line.PeriodStart is { } start && line.PeriodEnd is { } end) Period(start, end, null);

            xml.WriteStartElement("Item", Cac);
            Basic("Name", line.Name);
            xml.WriteStartElement("ClassifiedTaxCategory", Cac);
            Basic("ID", line.VatCategory);
            if (line.VatRate is { } rate) Basic("Percent", Percent(rate));
            VatScheme();
            xml.WriteEndElement();
            xml.WriteEndElement();

            xml.WriteStartElement("Price", Cac);
            Amount("PriceAmount", line.UnitPrice);
            xml.WriteEndElement();
            xml.WriteEndElement();
        }

        private void VatScheme()
        {
            xml.WriteStartElement("TaxScheme", Cac);
            Basic("ID", "VAT");
            xml.WriteEndElement();
        }

        private void Basic(string name, string value) => xml.WriteElementString(name, Cbc, value);

        private void Amount(string name, decimal value, string? currency = null)
        {
            xml.WriteStartElement(name, Cbc);
            xml.WriteAttributeString("currencyID", currency ?? doc.Currency);
            xml.WriteString(Money(value));
            xml.WriteEndElement();
        }
    }

    private static string Date(DateOnly date) => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    // Two decimals; never rounded here, so an amount with more decimals shows as it is (and fails BR-RO-Z2)
    // instead of being silently changed. Unit prices may carry more.
    private static string Money(decimal value) =>
        decimal.Round(value, 2) == value
            ? value.ToString("0.00", CultureInfo.InvariantCulture)
            : value.ToString("0.00############################", CultureInfo.InvariantCulture);

    private static string Quantity(decimal value) => value.ToString("0.############", CultureInfo.InvariantCulture);

    private static string Percent(decimal value) => value.ToString("0.####", CultureInfo.InvariantCulture);
}
