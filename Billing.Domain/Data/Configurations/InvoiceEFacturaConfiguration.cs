using Billing.Domain.EFactura;
using Billing.Domain.Invoicing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class InvoiceEFacturaConfiguration : IEntityTypeConfiguration<InvoiceEFactura>
{
    public void Configure(EntityTypeBuilder<InvoiceEFactura> entity)
    {
        entity.ToTable("InvoiceEFactura", t =>
        {
            t.HasCheckConstraint("CK_InvoiceEFactura_sha256", "\"sha256\" IS NULL OR \"sha256\" ~ '^[0-9a-f]{64}$'");
            // Either the validated bytes and their hash, or no bytes and at least one failed rule.
            t.HasCheckConstraint("CK_InvoiceEFactura_outcome", "CASE WHEN \"content\" IS NULL THEN \"sha256\" IS NULL AND jsonb_array_length(\"findings\") > 0 " +
                "ELSE \"sha256\" IS NOT NULL AND jsonb_array_length(\"findings\") = 0 END");
        });
        entity.HasKey(d => d.InvoiceId);
        entity.Property(d => d.InvoiceId).HasColumnName("facturaId");
        entity.Property(d => d.Content).HasColumnName("content");
        entity.Property(d => d.Sha256).HasColumnName("sha256").HasMaxLength(64);
        entity.Property(d => d.FindingsJson).HasColumnName("findings").HasColumnType("jsonb").HasDefaultValueSql("'[]'::jsonb");
        entity.Property(d => d.GeneratedAt).HasColumnName("generatedAt");
        entity.Ignore(d => d.Findings);
        // An issued invoice is never deleted, so neither is its document.
        entity.HasOne<Invoice>().WithOne().HasForeignKey<InvoiceEFactura>(d => d.InvoiceId).OnDelete(DeleteBehavior.Restrict);
    }
}
