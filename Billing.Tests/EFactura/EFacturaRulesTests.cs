using System.Text;
using Billing.Domain.EFactura;

namespace Billing.Tests.EFactura;

public sealed class EFacturaRulesTests
{
    public static TheoryData<string> Documents => ["invoice", "credit note", "not subject to VAT"];

    private static UblDocument Sample(string name) => name switch
    {
        "invoice" => UblSamples.November2025Invoice(),
        "credit note" => UblSamples.CreditNoteOfNovember2025(),
        _ => UblSamples.NotSubjectToVat(),
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_document_type_we_write_passes_the_schema_and_every_rule(string name)
    {
        var validation = EFacturaValidator.Validate(UblWriter.Write(Sample(name)));

        Assert.True(validation.IsValid, string.Join("\n", validation.Findings));
    }

    [Fact]
    public void The_invoice_states_cius_ro_its_period_its_iban_and_vat_on_receipt_when_applied()
    {
        var xml = Encoding.UTF8.GetString(UblWriter.Write(UblSamples.November2025Invoice() with { VatOnReceipt = true }));

        Assert.Contains($"<cbc:CustomizationID>{UblWriter.CustomizationId}</cbc:CustomizationID>", xml);
        Assert.Contains("<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>", xml);
        Assert.Contains("<cbc:StartDate>2025-11-01</cbc:StartDate>", xml);
        Assert.Contains("<cbc:DescriptionCode>432</cbc:DescriptionCode>", xml);
        Assert.Contains("<cbc:ID>RO49AAAA1B31007593840000</cbc:ID>", xml);
        Assert.Contains("<cbc:PayableAmount currencyID=\"RON\">1049.31</cbc:PayableAmount>", xml);
        Assert.True(EFacturaValidator.Validate(Encoding.UTF8.GetBytes(xml)).IsValid);
    }

    [Fact]
    public void A_credit_note_references_the_invoice_it_corrects()
    {
        var xml = Encoding.UTF8.GetString(UblWriter.Write(UblSamples.CreditNoteOfNovember2025()));

        Assert.Contains("<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>", xml);
        var reference = System.Xml.Linq.XDocument.Parse(xml).Descendants()
            .Single(e => e.Name.LocalName == "InvoiceDocumentReference");
        Assert.Equal("VAI-2025-000042", reference.Elements().Single(e => e.Name.LocalName == "ID").Value);
        Assert.Equal("2025-12-01", reference.Elements().Single(e => e.Name.LocalName == "IssueDate").Value);
        Assert.Contains("<cac:CreditNoteLine>", xml);
    }

    [Fact]
    public void Every_broken_rule_is_listed_in_one_answer()
    {
        var broken = UblSamples.November2025Invoice() with
        {
            Number = "VAI-FARA-NUMAR",
            Currency = "EUR",
            Seller = UblSamples.Agency with { VatId = "RO12345675", County = "CJ" },
            Buyer = UblSamples.Clinic with { City = "București", LegalName = new string('x', 201) },
            Totals = new UblTotals { LineExtension = 867.21m, TaxExclusive = 867.20m, VatTotal = 182.11m, TaxInclusive = 1049.30m, Payable = 1049.311m },
        };

        var rules = EFacturaValidator.Validate(UblWriter.Write(broken)).Findings.Select(f => f.Rule).ToHashSet();

        foreach (var rule in new[] { "BR-RO-010", "BR-RO-030", "BR-RO-110", "BR-RO-101", "BR-RO-L203", "RO-CUI", "BR-CO-10", "BR-CO-13", "BR-CO-15", "BR-CO-16", "BR-RO-Z2" })
            Assert.Contains(rule, rules);
    }

    [Fact]
    public void Vat_that_does_not_match_its_base_breaks_br_co_14_and_br_co_17()
    {
        var doc = UblSamples.November2025Invoice() with
        {
            VatBreakdown = [new UblVatBreakdown { Category = "S", Rate = 21, TaxableAmount = 867.20m, TaxAmount = 18.21m }],
        };

        var rules = EFacturaValidator.Validate(UblWriter.Write(doc)).Findings.Select(f => f.Rule).ToList();

        Assert.Contains("BR-CO-14", rules);
        Assert.Contains("BR-CO-17", rules);
        Assert.Contains("BR-S-09", rules);
    }

    [Fact]
    public void Not_subject_to_vat_refuses_vat_ids_rates_and_missing_reasons()
    {
        var doc = UblSamples.NotSubjectToVat() with
        {
            Buyer = UblSamples.Clinic,
            VatBreakdown = [new UblVatBreakdown { Category = "O", TaxableAmount = 867.20m, TaxAmount = 0m }],
        };

        var rules = EFacturaValidator.Validate(UblWriter.Write(doc)).Findings.Select(f => f.Rule).ToList();

        Assert.Contains("BR-O-02", rules);
        Assert.Contains("BR-O-10", rules);
    }

    [Fact]
    public void A_standard_rate_line_needs_the_sellers_vat_id_and_a_breakdown_that_matches_its_lines()
    {
        var doc = UblSamples.November2025Invoice() with
        {
            Seller = UblSamples.Agency with { VatId = null },
            VatBreakdown = [new UblVatBreakdown { Category = "S", Rate = 19, TaxableAmount = 867.20m, TaxAmount = 164.77m }],
            Totals = new UblTotals { LineExtension = 867.20m, TaxExclusive = 867.20m, VatTotal = 164.77m, TaxInclusive = 1031.97m, Payable = 1031.97m },
        };

        var rules = EFacturaValidator.Validate(UblWriter.Write(doc)).Findings.Select(f => f.Rule).ToList();

        Assert.Contains("BR-S-02", rules);
        Assert.Contains("BR-S-08", rules);
    }

    [Theory]
    [InlineData("4267117", true)]
    [InlineData("RO12345674", true)]
    [InlineData("12345675", false)]
    [InlineData("1", false)]
    [InlineData("RO12A45674", false)]
    public void A_cui_is_checked_by_its_check_digit(string cui, bool valid) =>
        Assert.Equal(valid, Billing.Domain.Parties.FiscalCode.IsValidCui(cui));

    [Theory]
    [InlineData("1850115123458", true)]
    [InlineData("1850115123459", false)]
    public void A_cnp_is_checked_by_its_check_digit(string cnp, bool valid) =>
        Assert.Equal(valid, RomanianIdentifiers.IsValidCnp(cnp));
}
