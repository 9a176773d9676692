using Billing.Domain.Common;
using Billing.Domain.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class PaymentConfiguration : IEntityTypeConfiguration<Payment>
{
    public void Configure(EntityTypeBuilder<Payment> entity)
    {
        entity.ToTable("PaymentTransaction", t =>
        {
            t.HasNonNegative("amount");
            t.HasTextCheck<PaymentMethod>("paymentMethod", TextCase.Lower);
            t.HasTextCheck<PaymentStatus>("status", TextCase.Upper);
            t.HasCheckConstraint("CK_PaymentTransaction_currency", "\"currency\" ~ '^[A-Z]{3}$'");
            // A refund row is REFUNDED (older REFUNDED rows from the seed may have no refundOf).
            t.HasCheckConstraint("CK_PaymentTransaction_refund", "\"refundOf\" IS NULL OR \"status\" = 'REFUNDED'");
        });
        entity.HasKey(p => p.Id);
        entity.Property(p => p.Id).IsDatabaseGeneratedId();
        entity.Property(p => p.InvoiceId).HasColumnName("facturaId");
        entity.Property(p => p.Amount).HasColumnName("amount").HasPrecision(12, 2);
        entity.Property(p => p.Currency).HasColumnName("currency").HasMaxLength(3).HasDefaultValue("RON");
        entity.Property(p => p.Method).HasColumnName("paymentMethod").HasTextValues(TextCase.Lower);
        entity.Property(p => p.Status).HasColumnName("status").HasTextValues(TextCase.Upper)
            .HasDefaultValue(PaymentStatus.Pending).HasSentinel(PaymentStatus.Pending);
        entity.Property(p => p.TransactionId).HasColumnName("transactionId").HasMaxLength(200);
        entity.Property(p => p.Reference).HasColumnName("reference").HasMaxLength(500);
        entity.Property(p => p.RefundOf).HasColumnName("refundOf");
        entity.Property(p => p.Reason).HasColumnName("reason").HasMaxLength(1000);
        entity.Property(p => p.PaidAt).HasColumnName("paidAt");
        entity.HasAuditTimestamps(p => p.CreatedAt, p => p.UpdatedAt);

        entity.HasOne(p => p.Invoice).WithMany().HasForeignKey(p => p.InvoiceId).OnDelete(DeleteBehavior.Restrict);
        entity.HasIndex(p => p.InvoiceId);
        entity.HasOne<Payment>().WithMany().HasForeignKey(p => p.RefundOf).OnDelete(DeleteBehavior.Restrict);
        entity.HasIndex(p => p.RefundOf).HasFilter("\"refundOf\" IS NOT NULL");
        // A payment provider's reference is recorded once.
        entity.HasIndex(p => p.TransactionId).IsUnique().HasFilter("\"transactionId\" IS NOT NULL");
        // The seed's failed-payments monitor.
        entity.HasIndex(p => new { p.Status, p.CreatedAt, p.Id });
        // GET /payments, newest first.
        entity.HasIndex(p => new { p.CreatedAt, p.Id });
    }
}
