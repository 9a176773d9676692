using Billing.Domain.Audit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> entity)
    {
        // No foreign keys: the trail outlives what it describes, and must never block or cascade a change.
        entity.ToTable("AuditLog", t =>
        {
            t.HasCheckConstraint("CK_AuditLog_actor", "\"actor\" ~ '^(key:[0-9a-f-]{36}|cli:.+|stripe|system)$'");
            t.HasCheckConstraint("CK_AuditLog_entity", "\"entity\" ~ '^[a-z][A-Za-z]*$'");
            t.HasCheckConstraint("CK_AuditLog_change", "\"before\" IS NOT NULL OR \"after\" IS NOT NULL");
        });
        entity.HasKey(a => a.Id);
        entity.Property(a => a.Id).HasColumnName("id").UseIdentityAlwaysColumn();
        entity.Property(a => a.OccurredAt).HasColumnName("occurredAt").HasDefaultValueSql("now()");
        entity.Property(a => a.Actor).HasColumnName("actor").HasMaxLength(200);
        entity.Property(a => a.Entity).HasColumnName("entity").HasMaxLength(40);
        entity.Property(a => a.EntityId).HasColumnName("entityId").HasMaxLength(100);
        entity.Property(a => a.Action).HasColumnName("action").HasMaxLength(40);
        entity.Property(a => a.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.Property(a => a.InvoiceId).HasColumnName("invoiceId");
        entity.Property(a => a.Before).HasColumnName("before").HasColumnType("jsonb");
        entity.Property(a => a.After).HasColumnName("after").HasColumnType("jsonb");
        entity.Property(a => a.Reason).HasColumnName("reason").HasMaxLength(1000);

        // The three histories: an entity's, an invoice's (with its payments), a client's.
        entity.HasIndex(a => new { a.Entity, a.EntityId, a.Id });
        entity.HasIndex(a => new { a.InvoiceId, a.Id }).HasFilter("\"invoiceId\" IS NOT NULL");
        entity.HasIndex(a => new { a.ClientId, a.Id }).HasFilter("\"clientId\" IS NOT NULL");
    }
}
