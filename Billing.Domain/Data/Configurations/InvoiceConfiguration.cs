using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class InvoiceConfiguration : IEntityTypeConfiguration<Invoice>
{
    public void Configure(EntityTypeBuilder<Invoice> entity)
    {
        entity.ToTable("Factura", t =>
        {
            t.HasNonNegative("minuteTotale", "totalCalls", "successfulCalls", "includedMinutes", "costPerMinut",
                "costMinute", "taxaFixa", "lateUsageAmount", "totalDePlata", "amountPaid", "creditApplied", "amountDue");
            t.HasTextCheck<InvoiceStatus>("status", TextCase.Upper);
            t.HasTextCheck<Usage.MinuteRounding>("minuteRounding", TextCase.Lower);
            t.HasCheckConstraint("CK_Factura_perioada", "\"perioada\" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'");
            t.HasCheckConstraint("CK_Factura_successfulCalls", "\"successfulCalls\" <= \"totalCalls\"");
            t.HasCheckConstraint("CK_Factura_totalDePlata", "\"totalDePlata\" = \"costMinute\" + \"taxaFixa\" + \"lateUsageAmount\"");
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
        // Computed where the money is, so every reader (the API, reports, the bank-statement match) sees the same amount due.
        entity.Property(i => i.AmountDue).HasColumnName("amountDue").HasPrecision(12, 2)
            .HasComputedColumnSql("\"totalDePlata\" - \"amountPaid\" - \"creditApplied\"", stored: true);

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

        // One invoice per client and period: the billing cycle's idempotency rests on it.
        entity.HasIndex(i => new { i.ClientId, i.Period }).IsUnique();
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
            .IncludeProperties(i => new { i.Status, i.Currency, i.MinutesAmount, i.FixedFee, i.LateUsageAmount, i.Total });
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
        entity.HasIndex(r => r.StartedAt);
    }
}
