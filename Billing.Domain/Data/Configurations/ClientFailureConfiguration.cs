using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class ClientFailureConfiguration : IEntityTypeConfiguration<ClientFailure>
{
    public void Configure(EntityTypeBuilder<ClientFailure> entity)
    {
        entity.ToTable("ClientFailure", t =>
        {
            t.HasCheckConstraint("CK_ClientFailure_step",
                "\"step\" IN ('due periods', 'reconciliation', 'attribution', 'invoicing', 'overdue', 'credit')");
            t.HasCheckConstraint("CK_ClientFailure_attempts", "\"attempts\" >= 1");
        });
        entity.HasKey(f => f.Id);
        entity.Property(f => f.Id).IsDatabaseGeneratedId();
        entity.Property(f => f.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.Property(f => f.Step).HasColumnName("step").HasMaxLength(20);
        entity.Property(f => f.Period).HasColumnName("period").HasMaxLength(7);
        entity.Property(f => f.Error).HasColumnName("error").HasMaxLength(2000);
        entity.Property(f => f.FirstSeenAt).HasColumnName("firstSeenAt");
        entity.Property(f => f.LastSeenAt).HasColumnName("lastSeenAt");
        entity.Property(f => f.Attempts).HasColumnName("attempts");
        entity.Property(f => f.LastRunId).HasColumnName("lastRunId");
        entity.Property(f => f.RetryFrom).HasColumnName("retryFrom");
        entity.Property(f => f.ResolvedAt).HasColumnName("resolvedAt");
        entity.HasOne<Client>().WithMany().HasForeignKey(f => f.ClientId).HasPrincipalKey(c => c.ClientId).OnDelete(DeleteBehavior.Cascade);
        entity.HasOne<BillingRun>().WithMany().HasForeignKey(f => f.LastRunId).OnDelete(DeleteBehavior.SetNull);
        // One open failure per client and step: a run that fails again updates it (ON CONFLICT on this index).
        entity.HasIndex(f => new { f.ClientId, f.Step }, "IX_ClientFailure_open").IsUnique().HasFilter("\"resolvedAt\" IS NULL");
        entity.HasIndex(f => new { f.FirstSeenAt, f.Id });
    }
}
