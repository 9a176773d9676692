using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Billing.Domain.Parties;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public const string PayTokenSql = "replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')";

    public void Configure(EntityTypeBuilder<Invoice> entity)
    {
        entity.ToTable("Factura", t =>
        {
            t.HasNonNegative("minuteTotale", "totalCalls", "successfulCalls", "includedMinutes", "costPerMinut",
                "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata", "amountPaid", "creditApplied", "amountDue", "creditedAmount");
            t.HasCheckConstraint("CK_Factura_creditedAmount", "\"creditedAmount\" <= \"totalDePlata\"");
            t.HasTextCheck<InvoiceStatus>("status", TextCase.Upper);
            t.HasTextCheck<Usage.MinuteRounding>("minuteRounding", TextCase.Lower);
            t.HasCheckConstraint("CK_Factura_perioada", "\"perioada\" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'");
            t.HasCheckConstraint("CK_Factura_successfulCalls", "\"successfulCalls\" <= \"totalCalls\"");
            // Without VAT the amount to pay is the lines; with it, the gross, and the lines are the net or the gross by the price basis.
            t.HasCheckConstraint("CK_Factura_totalDePlata", "CASE WHEN \"grossAmount\" IS NULL THEN \"totalDePlata\" = \"costMinute\" + \"taxaFixa\" + \"lateUsageAmount\" " +
                "ELSE \"totalDePlata\" = \"grossAmount\" AND \"netAmount\" + \"vatAmount\" = \"grossAmount\" " +
                "AND \"costMinute\" + \"taxaFixa\" + \"lateUsageAmount\" = CASE \"priceBasis\" WHEN 'gross' THEN \"grossAmount\" ELSE \"netAmount\" END END");
            t.HasCheckConstraint("CK_Factura_vat_complete", "(\"netAmount\" IS NULL) = (\"vatAmount\" IS NULL) AND (\"vatAmount\" IS NULL) = (\"grossAmount\" IS NULL) " +
                "AND (\"grossAmount\" IS NULL OR (\"priceBasis\" IS NOT NULL AND \"vatCategory\" IS NOT NULL AND \"vatRate\" IS NOT NULL " +
                "AND \"fixedFeeNet\" IS NOT NULL AND \"minutesNet\" IS NOT NULL))");
            t.HasCheckConstraint("CK_Factura_vatCategory", "\"vatCategory\" IS NULL OR \"vatCategory\" IN ('S', 'O', 'AE')");
            t.HasCheckConstraint("CK_Factura_priceBasis", "\"priceBasis\" IS NULL OR \"priceBasis\" IN ('net', 'gross')");
            t.HasCheckConstraint("CK_Factura_vatRate", "\"vatRate\" IS NULL OR (\"vatRate\" >= 0 AND \"vatRate\" < 100 AND (\"vatCategory\" = 'S' OR \"vatRate\" = 0))");
            t.HasNonNegative("netAmount", "vatAmount", "grossAmount", "vatAmountRon");
            t.HasCheckConstraint("CK_Factura_currency", "\"currency\" ~ '^[A-Z]{3}$'");
            t.HasCheckConstraint("CK_Factura_period_range", "\"periodEnd\" IS NULL OR \"periodStart\" IS NULL OR \"periodEnd\" > \"periodStart\"");
        });
        entity.HasKey(i => i.Id);
        entity.Property(i => i.Id).IsDatabaseGeneratedId();
        entity.Property(i => i.Number).HasColumnName("number").HasMaxLength(40);
        entity.HasIndex(i => i.Number).IsUnique();

        entity.Property(i => i.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.Property(i => i.ClientName).HasColumnName("clientName").HasMaxLength(200);
        entity.Property(i => i.Period).HasColumnName("perioada").HasMaxLength(7);
        entity.Property(i => i.PeriodStart).HasColumnName("periodStart");
        entity.Property(i => i.PeriodEnd).HasColumnName("periodEnd");

        entity.Property(i => i.Minutes).HasColumnName("minuteTotale").HasPrecision(14, 4);
        entity.Property(i => i.TotalCalls).HasColumnName("totalCalls");
        entity.Property(i => i.SuccessfulCalls).HasColumnName("successfulCalls");
        entity.Property(i => i.IncludedMinutes).HasColumnName("includedMinutes").HasPrecision(12, 4).HasDefaultValue(0m);
        entity.Property(i => i.PricePerMinute).HasColumnName("costPerMinut").HasPrecision(12, 4);
        entity.Property(i => i.MonthlyFee).HasColumnName("taxaLunara").HasPrecision(12, 2);
        entity.Property(i => i.MinuteRounding).HasColumnName("minuteRounding").HasTextValues(TextCase.Lower);
        entity.Property(i => i.TimeZone).HasColumnName("timeZone").HasMaxLength(64);
        entity.Property(i => i.TermsFrom).HasColumnName("termsFrom");

        entity.Property(i => i.MinutesAmount).HasColumnName("costMinute").HasPrecision(12, 2);
        entity.Property(i => i.FixedFee).HasColumnName("taxaFixa").HasPrecision(12, 2);
        entity.Property(i => i.LateUsageAmount).HasColumnName("lateUsageAmount").HasPrecision(12, 2).HasDefaultValue(0m);
        entity.Property(i => i.Total).HasColumnName("totalDePlata").HasPrecision(12, 2);
        entity.Property(i => i.Currency).HasColumnName("currency").HasMaxLength(3).HasDefaultValue(Client.DefaultCurrency);
        entity.Property(i => i.AmountPaid).HasColumnName("amountPaid").HasPrecision(12, 2).HasDefaultValue(0m);
        entity.Property(i => i.CreditApplied).HasColumnName("creditApplied").HasPrecision(12, 2).HasDefaultValue(0m);
        entity.Property(i => i.CreditedAmount).HasColumnName("creditedAmount").HasPrecision(12, 2).HasDefaultValue(0m);
        // Computed where the money is, so every reader (the API, reports, the bank-statement match) sees the same amount due.
        // Invoice.Due in SQL: the two must say the same.
        entity.Property(i => i.AmountDue).HasColumnName("amountDue").HasPrecision(12, 2)
            .HasComputedColumnSql("\"totalDePlata\" - \"creditedAmount\" - \"amountPaid\" - \"creditApplied\"", stored: true);

        entity.Property(i => i.Status).HasColumnName("status").HasTextValues(TextCase.Upper)
            .HasDefaultValue(InvoiceStatus.Pending).HasSentinel(InvoiceStatus.Pending);
        entity.Property(i => i.DueDate).HasColumnName("dueDate");
        entity.Property(i => i.IssuedAt).HasColumnName("issuedAt").HasDefaultValueSql("now()");
        entity.Property(i => i.PaidAt).HasColumnName("paidAt");
        entity.Property(i => i.VapiAssistantId).HasColumnName("vapiAssistantId").HasMaxLength(100);
        entity.Property(i => i.Reconciled).HasColumnName("reconciled").HasDefaultValue(true).HasSentinel(true);
        entity.Property(i => i.BillingRunId).HasColumnName("billingRunId");
        entity.Property(i => i.UsageEpoch).HasColumnName("usageEpoch");
        entity.Property(i => i.UsageFrom).HasColumnName("usageFrom");
        entity.Property(i => i.UsageTo).HasColumnName("usageTo");
        entity.HasAuditTimestamps(i => i.CreatedAt, i => i.UpdatedAt);
        // 244 random bits (two v4 UUIDs, PostgreSQL's strong random source) as 64 hex digits: a default, so the cycle's
        // set-based INSERT and hand-made invoices get one too, and the migration gives every existing invoice its own.
        entity.Property(i => i.PayToken).HasColumnName("payToken").HasMaxLength(64).IsRequired().ValueGeneratedOnAdd()
            .HasDefaultValueSql(PayTokenSql);
        entity.HasIndex(i => i.PayToken).IsUnique();
        entity.Property(i => i.ReviewReason).HasColumnName("reviewReason").HasMaxLength(2000);
        // GET /api/invoices?review=true: the few invoices someone has to look at.
        entity.HasIndex(i => new { i.CreatedAt, i.Id }, "IX_Factura_review").HasFilter("\"reviewReason\" IS NOT NULL");

        entity.Property(i => i.IssueDate).HasColumnName("issueDate");
        entity.Property(i => i.PriceBasis).HasColumnName("priceBasis").HasConversion(
            v => v == null ? null : TextEnum.ToText(v.Value, TextCase.Lower), s => s == null ? null : TextEnum.Parse<PriceBasis>(s)).HasColumnType("text");
        entity.Property(i => i.TaxPoint).HasColumnName("taxPoint");
        entity.Property(i => i.VatCategory).HasColumnName("vatCategory").HasMaxLength(2);
        entity.Property(i => i.VatRate).HasColumnName("vatRate").HasPrecision(5, 2);
        entity.Property(i => i.FixedFeeNet).HasColumnName("fixedFeeNet").HasPrecision(12, 2);
        entity.Property(i => i.MinutesNet).HasColumnName("minutesNet").HasPrecision(12, 2);
        entity.Property(i => i.NetAmount).HasColumnName("netAmount").HasPrecision(12, 2);
        entity.Property(i => i.VatAmount).HasColumnName("vatAmount").HasPrecision(12, 2);
        entity.Property(i => i.GrossAmount).HasColumnName("grossAmount").HasPrecision(12, 2);
        entity.Property(i => i.VatAmountRon).HasColumnName("vatAmountRon").HasPrecision(12, 2);
        entity.Property(i => i.VatExchangeRate).HasColumnName("vatExchangeRate").HasPrecision(12, 6);
        entity.Property(i => i.VatExchangeRateDate).HasColumnName("vatExchangeRateDate");
        entity.Property(i => i.MissingFields).HasColumnName("missingFields").HasDefaultValueSql("ARRAY['vat']::text[]");
        entity.Ignore(i => i.Exportable);
        // GET /api/invoices?exportable=false and health: the few invoices that still lack something.
        entity.HasIndex(i => new { i.CreatedAt, i.Id }, "IX_Factura_not_exportable").HasFilter("cardinality(\"missingFields\") > 0");
        entity.HasMany(i => i.VatBreakdown).WithOne().HasForeignKey(b => b.InvoiceId).OnDelete(DeleteBehavior.Cascade);
        entity.HasMany(i => i.Parties).WithOne().HasForeignKey(p => p.InvoiceId).OnDelete(DeleteBehavior.Cascade);

        // One invoice per client and period among those not cancelled: the billing cycle's idempotency rests on it, and a
        // period whose invoice was fully credited may be invoiced again.
        entity.HasIndex(i => new { i.ClientId, i.Period }).IsUnique().HasFilter("\"status\" <> 'CANCELLED'");
        // Which invoice billed a call (the view "UsageLogInvoice").
        entity.HasIndex(i => new { i.ClientId, i.UsageEpoch, i.UsageTo }, "IX_Factura_billedBy");
        entity.HasOne<Client>().WithMany().HasForeignKey(i => i.ClientId).HasPrincipalKey(c => c.ClientId)
            .OnDelete(DeleteBehavior.Restrict);
        entity.HasOne<BillingRun>().WithMany().HasForeignKey(i => i.BillingRunId).OnDelete(DeleteBehavior.SetNull);
        entity.HasMany(i => i.LateUsage).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Cascade);

        // The seed's sample and monitoring queries and the keyset pages of GET /invoices: one (sort column, id)
        // index per sort key, and the common filters (status, period) in front of their sort.
        entity.HasIndex(i => new { i.Status, i.DueDate, i.Id });
        entity.HasIndex(i => new { i.CreatedAt, i.Id });
        entity.HasIndex(i => new { i.DueDate, i.Id });
        entity.HasIndex(i => new { i.Period, i.Id });
        entity.HasIndex(i => new { i.Total, i.Id });
        entity.HasIndex(i => new { i.Period, i.Total, i.Id });
        // The revenue report reads only these columns: an index-only scan over the periods asked for.
        entity.HasIndex(i => i.Period, "IX_Factura_revenue")
            .IncludeProperties(i => new { i.Status, i.Currency, i.MinutesAmount, i.FixedFee, i.LateUsageAmount, i.Total, i.NetAmount, i.VatAmount });
    }
}

internal sealed class InvoiceLateUsageConfiguration : IEntityTypeConfiguration<InvoiceLateUsage>
{
    public void Configure(EntityTypeBuilder<InvoiceLateUsage> entity)
    {
        entity.ToTable("InvoiceLateUsage", t =>
        {
            t.HasNonNegative("calls", "minutes", "amount");
            t.HasCheckConstraint("CK_InvoiceLateUsage_originalPeriod", "\"originalPeriod\" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'");
        });
        entity.HasKey(l => new { l.InvoiceId, l.OriginalPeriod });
        entity.Property(l => l.InvoiceId).HasColumnName("facturaId");
        entity.Property(l => l.OriginalPeriod).HasColumnName("originalPeriod").HasMaxLength(7);
        entity.Property(l => l.Calls).HasColumnName("calls");
        entity.Property(l => l.Minutes).HasColumnName("minutes").HasPrecision(14, 4);
        entity.Property(l => l.Amount).HasColumnName("amount").HasPrecision(12, 2);
        entity.Property(l => l.Net).HasColumnName("net").HasPrecision(12, 2);
        entity.Property(l => l.VatRate).HasColumnName("vatRate").HasPrecision(5, 2);
        entity.Property(l => l.TaxPoint).HasColumnName("taxPoint");
    }
}

internal sealed class InvoiceVatBreakdownConfiguration : IEntityTypeConfiguration<InvoiceVatBreakdown>
{
    public void Configure(EntityTypeBuilder<InvoiceVatBreakdown> entity)
    {
        entity.ToTable("InvoiceVatBreakdown", t =>
        {
            t.HasNonNegative("netAmount", "vatAmount", "grossAmount");
            t.HasCheckConstraint("CK_InvoiceVatBreakdown_gross", "\"netAmount\" + \"vatAmount\" = \"grossAmount\"");
            t.HasCheckConstraint("CK_InvoiceVatBreakdown_category", "\"category\" IN ('S', 'O', 'AE')");
            t.HasCheckConstraint("CK_InvoiceVatBreakdown_rate", "\"ratePercent\" >= 0 AND \"ratePercent\" < 100 AND (\"category\" = 'S' OR (\"ratePercent\" = 0 AND \"vatAmount\" = 0))");
        });
        entity.HasKey(b => new { b.InvoiceId, b.Category, b.RatePercent });
        entity.Property(b => b.InvoiceId).HasColumnName("facturaId");
        entity.Property(b => b.Category).HasColumnName("category").HasMaxLength(2);
        entity.Property(b => b.RatePercent).HasColumnName("ratePercent").HasPrecision(5, 2);
        entity.Property(b => b.Net).HasColumnName("netAmount").HasPrecision(12, 2);
        entity.Property(b => b.Vat).HasColumnName("vatAmount").HasPrecision(12, 2);
        entity.Property(b => b.Gross).HasColumnName("grossAmount").HasPrecision(12, 2);
        entity.Property(b => b.ExemptionReasonCode).HasColumnName("exemptionReasonCode").HasMaxLength(30);
        entity.Property(b => b.ExemptionReason).HasColumnName("exemptionReason").HasMaxLength(300);
    }
}

internal sealed class InvoicePartyConfiguration : IEntityTypeConfiguration<InvoiceParty>
{
    public void Configure(EntityTypeBuilder<InvoiceParty> entity)
    {
        entity.ToTable("InvoiceParty", t => t.HasTextCheck<PartyRole>("role", TextCase.Lower));
        entity.HasKey(p => new { p.InvoiceId, p.Role });
        entity.Property(p => p.InvoiceId).HasColumnName("facturaId");
        entity.Property(p => p.Role).HasColumnName("role").HasTextValues(TextCase.Lower);
        entity.Property(p => p.LegalName).HasColumnName("legalName").HasMaxLength(200);
        entity.Property(p => p.FiscalCode).HasColumnName("fiscalCode").HasMaxLength(30);
        entity.Property(p => p.VatId).HasColumnName("vatId").HasMaxLength(32);
        entity.Property(p => p.TradeRegisterNumber).HasColumnName("tradeRegisterNumber").HasMaxLength(50);
        entity.Property(p => p.Street).HasColumnName("street").HasMaxLength(150);
        entity.Property(p => p.City).HasColumnName("city").HasMaxLength(100);
        entity.Property(p => p.County).HasColumnName("county").HasMaxLength(50);
        entity.Property(p => p.PostalCode).HasColumnName("postalCode").HasMaxLength(20);
        entity.Property(p => p.Country).HasColumnName("country").HasMaxLength(2);
        entity.Property(p => p.Email).HasColumnName("email").HasMaxLength(320);
        entity.Property(p => p.Phone).HasColumnName("phone").HasMaxLength(30);
        entity.Property(p => p.Iban).HasColumnName("iban").HasMaxLength(34);
        entity.Property(p => p.Bank).HasColumnName("bank").HasMaxLength(100);
        entity.Property(p => p.VatOnReceipt).HasColumnName("vatOnReceipt");
    }
}

internal sealed class InvoiceNumberSeriesConfiguration : IEntityTypeConfiguration<InvoiceNumberSeries>
{
    public void Configure(EntityTypeBuilder<InvoiceNumberSeries> entity)
    {
        entity.ToTable("InvoiceNumberSeries", t =>
        {
            t.HasCheckConstraint("CK_InvoiceNumberSeries_nextNumber", "\"nextNumber\" >= 1");
            t.HasCheckConstraint("CK_InvoiceNumberSeries_year", "\"year\" BETWEEN 2000 AND 9999");
        });
        entity.HasKey(s => new { s.Series, s.Year });
        entity.Property(s => s.Series).HasColumnName("series").HasMaxLength(20);
        entity.Property(s => s.Year).HasColumnName("year");
        entity.Property(s => s.NextNumber).HasColumnName("nextNumber");
    }
}

internal sealed class BillingRunConfiguration : IEntityTypeConfiguration<BillingRun>
{
    public void Configure(EntityTypeBuilder<BillingRun> entity)
    {
        entity.ToTable("BillingRun", t =>
            t.HasCheckConstraint("CK_BillingRun_reconciliation", "\"reconciliation\" IS NULL OR \"reconciliation\" IN ('ok', 'failed', 'disabled', 'skipped')"));
        entity.HasKey(r => r.Id);
        entity.Property(r => r.Id).IsDatabaseGeneratedId();
        entity.Property(r => r.StartedAt).HasColumnName("startedAt");
        entity.Property(r => r.FinishedAt).HasColumnName("finishedAt");
        entity.Property(r => r.AsOf).HasColumnName("asOf");
        entity.Property(r => r.Trigger).HasColumnName("trigger").HasMaxLength(20);
        entity.Property(r => r.DryRun).HasColumnName("dryRun");
        entity.Property(r => r.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.Property(r => r.ClientsSeen).HasColumnName("clientsSeen");
        entity.Property(r => r.InvoicesCreated).HasColumnName("invoicesCreated");
        entity.Property(r => r.InvoicesSkipped).HasColumnName("invoicesSkipped");
        entity.Property(r => r.InvoicesMarkedOverdue).HasColumnName("invoicesMarkedOverdue");
        entity.Property(r => r.Reconciliation).HasColumnName("reconciliation").HasMaxLength(20);
        entity.Property(r => r.CallsFound).HasColumnName("callsFound");
        entity.Property(r => r.CallsInserted).HasColumnName("callsInserted");
        entity.Property(r => r.CallsCompleted).HasColumnName("callsCompleted");
        entity.Property(r => r.Error).HasColumnName("error");
        entity.Property(r => r.FailedClients).HasColumnName("failedClients").HasDefaultValue(0);
        entity.HasIndex(r => r.StartedAt);
    }
}
