using Billing.Domain.Invoicing;
using Billing.Domain.Invoicing.Pdf;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class InvoicePdfConfiguration : IEntityTypeConfiguration<InvoicePdf>
{
    public void Configure(EntityTypeBuilder<InvoicePdf> entity)
    {
        entity.ToTable("InvoicePdf", t => t.HasCheckConstraint("CK_InvoicePdf_sha256", "\"sha256\" ~ '^[0-9a-f]{64}$'"));
        entity.HasKey(p => p.InvoiceId);
        entity.Property(p => p.InvoiceId).HasColumnName("facturaId");
        entity.Property(p => p.Content).HasColumnName("content");
        entity.Property(p => p.Sha256).HasColumnName("sha256").HasMaxLength(64);
        entity.Property(p => p.RenderedAt).HasColumnName("renderedAt");
        // An issued invoice is never deleted, so neither is its PDF.
        entity.HasOne<Invoice>().WithOne().HasForeignKey<InvoicePdf>(p => p.InvoiceId).OnDelete(DeleteBehavior.Restrict);
    }
}
