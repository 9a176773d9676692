using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class StripeCheckoutSessionConfiguration : IEntityTypeConfiguration<StripeCheckoutSession>
{
    public void Configure(EntityTypeBuilder<StripeCheckoutSession> entity)
    {
        entity.ToTable("StripeCheckoutSession", t =>
        {
            t.HasCheckConstraint("CK_StripeCheckoutSession_amount", "\"amount\" > 0");
            t.HasCheckConstraint("CK_StripeCheckoutSession_currency", "\"currency\" ~ '^[A-Z]{3}$'");
            t.HasTextCheck<CheckoutSessionStatus>("status", TextCase.Upper);
        });
        entity.HasKey(s => s.Id);
        entity.Property(s => s.Id).HasColumnName("id").HasMaxLength(255);
        entity.Property(s => s.InvoiceId).HasColumnName("facturaId");
        entity.Property(s => s.Amount).HasColumnName("amount").HasPrecision(12, 2);
        entity.Property(s => s.Currency).HasColumnName("currency").HasMaxLength(3);
        entity.Property(s => s.Url).HasColumnName("url").HasMaxLength(2000);
        entity.Property(s => s.Status).HasColumnName("status").HasTextValues(TextCase.Upper);
        entity.Property(s => s.ExpiresAt).HasColumnName("expiresAt");
        entity.Property(s => s.CreatedAt).HasColumnName("createdAt");

        entity.HasOne(s => s.Invoice).WithMany().HasForeignKey(s => s.InvoiceId).OnDelete(DeleteBehavior.Restrict);
        // An invoice's open sessions: reused by the pay link, expired once it is paid.
        entity.HasIndex(s => new { s.InvoiceId, s.Status });
    }
}
