using Billing.Domain.Invoicing;
using Billing.Domain.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class ClientCreditConfiguration : IEntityTypeConfiguration<ClientCredit>
{
    public void Configure(EntityTypeBuilder<ClientCredit> entity)
    {
        entity.ToTable("ClientCredit", t =>
        {
            t.HasCheckConstraint("CK_ClientCredit_amount", "\"amount\" <> 0");
            t.HasCheckConstraint("CK_ClientCredit_currency", "\"currency\" ~ '^[A-Z]{3}$'");
            // Credit comes from (or goes back to) a payment, or is consumed by an invoice.
            t.HasCheckConstraint("CK_ClientCredit_source", "(\"paymentId\" IS NULL) <> (\"invoiceId\" IS NULL)");
        });
        entity.HasKey(c => c.Id);
        entity.Property(c => c.Id).HasColumnName("id");
        entity.Property(c => c.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.Property(c => c.Currency).HasColumnName("currency").HasMaxLength(3);
        entity.Property(c => c.Amount).HasColumnName("amount").HasPrecision(12, 2);
        entity.Property(c => c.PaymentId).HasColumnName("paymentId");
        entity.Property(c => c.InvoiceId).HasColumnName("invoiceId");
        entity.Property(c => c.Reason).HasColumnName("reason").HasMaxLength(500);
        entity.Property(c => c.CreatedAt).HasColumnName("createdAt").HasDefaultValueSql("now()");

        entity.HasOne<Payment>().WithMany().HasForeignKey(c => c.PaymentId).OnDelete(DeleteBehavior.Restrict);
        entity.HasOne<Invoice>().WithMany().HasForeignKey(c => c.InvoiceId).OnDelete(DeleteBehavior.Restrict);
        // A client's balance per currency; a payment's credit; an invoice's consumed credit.
        entity.HasIndex(c => new { c.ClientId, c.Currency });
        entity.HasIndex(c => c.PaymentId).HasFilter("\"paymentId\" IS NOT NULL");
        entity.HasIndex(c => c.InvoiceId).HasFilter("\"invoiceId\" IS NOT NULL");
    }
}
