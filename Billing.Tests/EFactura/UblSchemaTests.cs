using System.Security.Cryptography;
using Billing.Domain.EFactura;
using Billing.Tests.Infrastructure;

namespace Billing.Tests.EFactura;

public sealed class UblSchemaTests
{
    private static readonly string SchemaFolder = RepositoryRoot.Combine("Billing.Domain", "EFactura", "Schemas", "UBL-2.1");

    [Fact]
    public void The_embedded_schemas_are_the_OASIS_files_with_the_recorded_checksums()
    {
        var recorded = File.ReadAllLines(Path.Combine(SchemaFolder, "SHA256SUMS"))
            .Where(l => l.Length > 0)
            .Select(l => l.Split("  ", 2))
            .ToDictionary(p => p[1]["xsd/".Length..], p => p[0]);

        Assert.Equal(16, recorded.Count);
        Assert.Equal(recorded.Keys.Order(StringComparer.Ordinal), UblSchemas.Files);
        foreach (var (file, sha256) in recorded)
        {
            using var stream = UblSchemas.Open(file);
            Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(stream)));
        }
        Assert.Contains("Copyright © OASIS Open 2001-2013", File.ReadAllText(Path.Combine(SchemaFolder, "LICENSE-OASIS.txt")));
    }

    [Fact]
    public void The_schema_set_compiles_both_document_types()
    {
        var set = UblSchemas.Set;
        Assert.True(set.IsCompiled);
        Assert.Contains(set.GlobalElements.Names.Cast<System.Xml.XmlQualifiedName>(), n => n.Name == "Invoice" && n.Namespace == UblSchemas.InvoiceNamespace);
        Assert.Contains(set.GlobalElements.Names.Cast<System.Xml.XmlQualifiedName>(), n => n.Name == "CreditNote" && n.Namespace == UblSchemas.CreditNoteNamespace);
    }

    [Fact]
    public void An_element_out_of_sequence_is_a_schema_error()
    {
        var xml = System.Text.Encoding.UTF8.GetString(UblWriter.Write(UblSamples.November2025Invoice()));
        // DueDate must come before InvoiceTypeCode.
        var due = "  <cbc:DueDate>2025-12-16</cbc:DueDate>\n";
        var swapped = xml.Replace(due, "").Replace("  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n", "  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>\n" + due);
        Assert.NotEqual(xml, swapped);

        var findings = UblSchemas.Validate(System.Text.Encoding.UTF8.GetBytes(swapped));

        Assert.Contains(findings, f => f.Rule == "UBL-XSD" && f.Message.Contains("DueDate", StringComparison.Ordinal));
    }

    [Fact]
    public void An_unknown_element_and_a_malformed_amount_are_schema_errors()
    {
        var xml = System.Text.Encoding.UTF8.GetString(UblWriter.Write(UblSamples.November2025Invoice()))
            .Replace("<cbc:PayableAmount currencyID=\"RON\">1049.31</cbc:PayableAmount>", "<cbc:PayableAmount currencyID=\"RON\">1.049,31</cbc:PayableAmount><cbc:Discount>1</cbc:Discount>");

        var findings = UblSchemas.Validate(System.Text.Encoding.UTF8.GetBytes(xml));

        Assert.True(findings.Count >= 2, string.Join("\n", findings));
    }

    [Fact]
    public void Text_that_is_not_xml_is_reported_not_thrown() =>
        Assert.Contains(UblSchemas.Validate("<Invoice"u8.ToArray()), f => f.Message.StartsWith("Not well-formed XML", StringComparison.Ordinal));
}
