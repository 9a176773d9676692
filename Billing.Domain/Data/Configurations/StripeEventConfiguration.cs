using Billing.Domain.Common;
using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class StripeEventConfiguration : IEntityTypeConfiguration<StripeEvent>
{
    public void Configure(EntityTypeBuilder<StripeEvent> entity)
    {
        entity.ToTable("StripeEvent", t => t.HasTextCheck<StripeEventState>("state", TextCase.Upper));
        entity.HasKey(e => e.Id);
        entity.Property(e => e.Id).HasColumnName("id").HasMaxLength(255);
        entity.Property(e => e.Type).HasColumnName("type").HasMaxLength(100);
        entity.Property(e => e.ApiVersion).HasColumnName("apiVersion").HasMaxLength(40);
        entity.Property(e => e.ObjectId).HasColumnName("objectId").HasMaxLength(255);
        entity.Property(e => e.PaymentIntentId).HasColumnName("paymentIntentId").HasMaxLength(255);
        entity.Property(e => e.InvoiceId).HasColumnName("facturaId");
        entity.Property(e => e.State).HasColumnName("state").HasTextValues(TextCase.Upper);
        entity.Property(e => e.Detail).HasColumnName("detail").HasMaxLength(1000);
        entity.Property(e => e.Payload).HasColumnName("payload").HasColumnType("jsonb");
        entity.Property(e => e.StripeCreatedAt).HasColumnName("stripeCreatedAt");
        entity.Property(e => e.ReceivedAt).HasColumnName("receivedAt");
        entity.Property(e => e.UpdatedAt).HasColumnName("updatedAt");

        entity.HasOne<Invoice>().WithMany().HasForeignKey(e => e.InvoiceId).OnDelete(DeleteBehavior.Restrict);
        // The refunds waiting for a payment, found when it is recorded.
        entity.HasIndex(e => new { e.PaymentIntentId, e.State });
        // What needs a person (GET /api/stripe/events?state=…), newest first.
        entity.HasIndex(e => new { e.State, e.ReceivedAt });
    }
}
