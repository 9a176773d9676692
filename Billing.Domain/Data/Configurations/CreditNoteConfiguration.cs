using Billing.Domain.Invoicing;
using Billing.Domain.Invoicing.CreditNotes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class CreditNoteConfiguration : IEntityTypeConfiguration<CreditNote>
{
    public void Configure(EntityTypeBuilder<CreditNote> entity)
    {
        entity.ToTable("CreditNote", t =>
        {
            t.HasNonNegative("netAmount", "vatAmount", "vatAmountRon");
            t.HasCheckConstraint("CK_CreditNote_grossAmount", "\"grossAmount\" > 0 AND \"netAmount\" + \"vatAmount\" = \"grossAmount\"");
            t.HasCheckConstraint("CK_CreditNote_currency", "\"currency\" ~ '^[A-Z]{3}$'");
            t.HasCheckConstraint("CK_CreditNote_sha256", "\"sha256\" IS NULL OR \"sha256\" ~ '^[0-9a-f]{64}$'");
            t.HasCheckConstraint("CK_CreditNote_outcome", "CASE WHEN \"content\" IS NULL THEN \"sha256\" IS NULL AND jsonb_array_length(\"findings\") > 0 " +
                "ELSE \"sha256\" IS NOT NULL AND jsonb_array_length(\"findings\") = 0 END");
        });
        entity.HasKey(n => n.Id);
        entity.Property(n => n.Id).HasColumnName("id");
        entity.Property(n => n.Number).HasColumnName("number").HasMaxLength(40);
        entity.HasIndex(n => n.Number).IsUnique();
        entity.Property(n => n.InvoiceId).HasColumnName("facturaId");
        entity.HasIndex(n => n.InvoiceId);
        entity.Property(n => n.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.HasIndex(n => new { n.ClientId, n.IssueDate });
        entity.Property(n => n.Currency).HasColumnName("currency").HasMaxLength(3);
        entity.Property(n => n.Reason).HasColumnName("reason").HasMaxLength(CreditNoteService.MaxReason);
        entity.Property(n => n.IssueDate).HasColumnName("issueDate");
        entity.Property(n => n.IssuedAt).HasColumnName("issuedAt");
        entity.Property(n => n.NetAmount).HasColumnName("netAmount").HasPrecision(12, 2);
        entity.Property(n => n.VatAmount).HasColumnName("vatAmount").HasPrecision(12, 2);
        entity.Property(n => n.GrossAmount).HasColumnName("grossAmount").HasPrecision(12, 2);
        entity.Property(n => n.VatAmountRon).HasColumnName("vatAmountRon").HasPrecision(12, 2);
        entity.Property(n => n.Content).HasColumnName("content");
        entity.Property(n => n.Sha256).HasColumnName("sha256").HasMaxLength(64);
        entity.Property(n => n.FindingsJson).HasColumnName("findings").HasColumnType("jsonb").HasDefaultValueSql("'[]'::jsonb");
        entity.Property(n => n.CreatedAt).HasColumnName("createdAt").HasDefaultValueSql("now()");
        entity.Ignore(n => n.Findings);
        // An issued invoice is never deleted, and a credit note never is either.
        entity.HasOne<Invoice>().WithMany().HasForeignKey(n => n.InvoiceId).OnDelete(DeleteBehavior.Restrict);
        entity.HasMany(n => n.Lines).WithOne().HasForeignKey(l => l.CreditNoteId).OnDelete(DeleteBehavior.Restrict);
        entity.HasMany(n => n.VatBreakdown).WithOne().HasForeignKey(b => b.CreditNoteId).OnDelete(DeleteBehavior.Restrict);
    }
}

internal sealed class CreditNoteLineConfiguration : IEntityTypeConfiguration<CreditNoteLine>
{
    public void Configure(EntityTypeBuilder<CreditNoteLine> entity)
    {
        entity.ToTable("CreditNoteLine", t =>
        {
            t.HasNonNegative("net");
            t.HasCheckConstraint("CK_CreditNoteLine_amount", "\"amount\" > 0");
            t.HasCheckConstraint("CK_CreditNoteLine_vatCategory", "\"vatCategory\" IN ('S', 'O', 'AE')");
        });
        entity.HasKey(l => new { l.CreditNoteId, l.LineNo });
        entity.Property(l => l.CreditNoteId).HasColumnName("creditNoteId");
        entity.Property(l => l.LineNo).HasColumnName("lineNo");
        entity.Property(l => l.InvoiceLine).HasColumnName("invoiceLine").HasMaxLength(20);
        entity.Property(l => l.Description).HasColumnName("description").HasMaxLength(100);
        entity.Property(l => l.Amount).HasColumnName("amount").HasPrecision(12, 2);
        entity.Property(l => l.Net).HasColumnName("net").HasPrecision(12, 2);
        entity.Property(l => l.VatCategory).HasColumnName("vatCategory").HasMaxLength(2);
        entity.Property(l => l.VatRate).HasColumnName("vatRate").HasPrecision(5, 2);
        entity.Property(l => l.PeriodStart).HasColumnName("periodStart");
        entity.Property(l => l.PeriodEnd).HasColumnName("periodEnd");
    }
}

internal sealed class CreditNoteVatBreakdownConfiguration : IEntityTypeConfiguration<CreditNoteVatBreakdown>
{
    public void Configure(EntityTypeBuilder<CreditNoteVatBreakdown> entity)
    {
        entity.ToTable("CreditNoteVatBreakdown", t =>
        {
            t.HasNonNegative("netAmount", "vatAmount");
            t.HasCheckConstraint("CK_CreditNoteVatBreakdown_category", "\"category\" IN ('S', 'O', 'AE')");
        });
        entity.HasKey(b => new { b.CreditNoteId, b.Category, b.RatePercent });
        entity.Property(b => b.CreditNoteId).HasColumnName("creditNoteId");
        entity.Property(b => b.Category).HasColumnName("category").HasMaxLength(2);
        entity.Property(b => b.RatePercent).HasColumnName("ratePercent").HasPrecision(5, 2);
        entity.Property(b => b.Net).HasColumnName("netAmount").HasPrecision(12, 2);
        entity.Property(b => b.Vat).HasColumnName("vatAmount").HasPrecision(12, 2);
        entity.Property(b => b.ExemptionReasonCode).HasColumnName("exemptionReasonCode").HasMaxLength(30);
        entity.Property(b => b.ExemptionReason).HasColumnName("exemptionReason").HasMaxLength(300);
    }
}
