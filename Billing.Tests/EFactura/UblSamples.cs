using Billing.Domain.EFactura;

namespace Billing.Tests.EFactura;

/// <summary>Documents built by hand, as the mapping from an invoice would build them, for the writer and rule tests.</summary>
internal static class UblSamples
{
    public static readonly UblParty Agency = new()
    {
        LegalName = "Voce Digitală SRL",
        VatId = "RO12345674",
        LegalId = "12345674",
        AdditionalLegalInfo = "J12/3456/2021",
        Street = "Str. Memorandumului 28",
        City = "Cluj-Napoca",
        PostalCode = "400114",
        County = "RO-CJ",
        CountryCode = "RO",
        Email = "facturi@vocedigitala.ro",
        Phone = "+40 264 000 000",
    };

    public static readonly UblParty Clinic = new()
    {
        LegalName = "Cabinet Dr. Șerban SRL",
        VatId = "RO38745127",
        LegalId = "38745127",
        Street = "Bd. Unirii 10",
        City = "SECTOR3",
        PostalCode = "030167",
        County = "RO-B",
        CountryCode = "RO",
        Email = "contabilitate@drserban.ro",
    };

    /// <summary>dr_serban's November 2025 at net prices: 800.00 fee + 120 min × 0.56, 21%.</summary>
    public static UblDocument November2025Invoice() => new()
    {
        Kind = UblDocumentKind.Invoice,
        Number = "VAI-2025-000042",
        IssueDate = new DateOnly(2025, 12, 1),
        DueDate = new DateOnly(2025, 12, 16),
        Currency = "RON",
        PeriodStart = new DateOnly(2025, 11, 1),
        PeriodEnd = new DateOnly(2025, 11, 30),
        Seller = Agency,
        Buyer = Clinic,
        PaymentMeans = new UblPaymentMeans("RO49AAAA1B31007593840000", Agency.LegalName, null, "VAI-2025-000042"),
        Lines =
        [
            new UblLine { Id = "1", Name = "Abonament lunar asistent vocal", Quantity = 1, UnitCode = "C62", NetAmount = 800.00m, UnitPrice = 800.00m, VatCategory = "S", VatRate = 21 },
            new UblLine { Id = "2", Name = "Minute peste cele incluse", Quantity = 120, UnitCode = "MIN", NetAmount = 67.20m, UnitPrice = 0.56m, VatCategory = "S", VatRate = 21 },
        ],
        VatBreakdown = [new UblVatBreakdown { Category = "S", Rate = 21, TaxableAmount = 867.20m, TaxAmount = 182.11m }],
        Totals = new UblTotals { LineExtension = 867.20m, TaxExclusive = 867.20m, VatTotal = 182.11m, TaxInclusive = 1049.31m, Payable = 1049.31m },
    };

    public static UblDocument CreditNoteOfNovember2025() => November2025Invoice() with
    {
        Kind = UblDocumentKind.CreditNote,
        Number = "VAI-CN-2026-000001",
        IssueDate = new DateOnly(2026, 1, 12),
        DueDate = null,
        Notes = ["Storno: minute facturate eronat"],
        PrecedingInvoice = new UblPrecedingInvoice("VAI-2025-000042", new DateOnly(2025, 12, 1)),
        Lines =
        [
            new UblLine { Id = "1", Name = "Minute peste cele incluse", Quantity = 120, UnitCode = "MIN", NetAmount = 67.20m, UnitPrice = 0.56m, VatCategory = "S", VatRate = 21, PeriodStart = new DateOnly(2025, 11, 1), PeriodEnd = new DateOnly(2025, 11, 30) },
        ],
        VatBreakdown = [new UblVatBreakdown { Category = "S", Rate = 21, TaxableAmount = 67.20m, TaxAmount = 14.11m }],
        Totals = new UblTotals { LineExtension = 67.20m, TaxExclusive = 67.20m, VatTotal = 14.11m, TaxInclusive = 81.31m, Payable = 81.31m },
    };

    /// <summary>An issuer that is not VAT registered: category O, no VAT ids on either side.</summary>
    public static UblDocument NotSubjectToVat() => November2025Invoice() with
    {
        Seller = Agency with { VatId = null },
        Buyer = Clinic with { VatId = null },
        Lines =
        [
            new UblLine { Id = "1", Name = "Abonament lunar asistent vocal", Quantity = 1, UnitCode = "C62", NetAmount = 800.00m, UnitPrice = 800.00m, VatCategory = "O" },
            new UblLine { Id = "2", Name = "Minute peste cele incluse", Quantity = 120, UnitCode = "MIN", NetAmount = 67.20m, UnitPrice = 0.56m, VatCategory = "O" },
        ],
        VatBreakdown = [new UblVatBreakdown { Category = "O", TaxableAmount = 867.20m, TaxAmount = 0m, ExemptionReasonCode = "VATEX-EU-O", ExemptionReason = "Neplătitor de TVA" }],
        Totals = new UblTotals { LineExtension = 867.20m, TaxExclusive = 867.20m, VatTotal = 0m, TaxInclusive = 867.20m, Payable = 867.20m },
    };
}
