using Billing.Domain.Common;
using Billing.Domain.Outbox;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class OutboxConfiguration : IEntityTypeConfiguration<OutboxMessage>
{
    public void Configure(EntityTypeBuilder<OutboxMessage> entity)
    {
        entity.ToTable("OutboxMessage", t =>
        {
            t.HasTextCheck<OutboxStatus>("status", TextCase.Upper);
            // Kinds are open-ended (later work adds its own), but spelled one way.
            t.HasCheckConstraint("CK_OutboxMessage_kind", "\"kind\" ~ '^[a-z][a-z0-9-]*$'");
            t.HasNonNegative("attempts");
            t.HasCheckConstraint("CK_OutboxMessage_sent", "(\"status\" = 'SENT') = (\"sentAt\" IS NOT NULL)");
            t.HasCheckConstraint("CK_OutboxMessage_dead", "(\"status\" = 'DEAD') = (\"deadAt\" IS NOT NULL)");
        });
        entity.HasKey(m => m.Id);
        entity.Property(m => m.Id).IsDatabaseGeneratedId();
        entity.Property(m => m.Kind).HasColumnName("kind").HasMaxLength(50);
        entity.Property(m => m.Key).HasColumnName("key").HasMaxLength(200);
        entity.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb").HasDefaultValueSql("'{}'::jsonb");
        entity.Property(m => m.Status).HasColumnName("status").HasTextValues(TextCase.Upper)
            .HasDefaultValue(OutboxStatus.Pending).HasSentinel(OutboxStatus.Pending);
        entity.Property(m => m.Attempts).HasColumnName("attempts").HasDefaultValue(0);
        entity.Property(m => m.NextAttemptAt).HasColumnName("nextAttemptAt").HasDefaultValueSql("now()");
        entity.Property(m => m.LeasedUntil).HasColumnName("leasedUntil");
        entity.Property(m => m.LeaseToken).HasColumnName("leaseToken");
        entity.Property(m => m.LastError).HasColumnName("lastError").HasMaxLength(2000);
        entity.Property(m => m.CreatedAt).HasColumnName("createdAt").HasDefaultValueSql("now()");
        entity.Property(m => m.SentAt).HasColumnName("sentAt");
        entity.Property(m => m.DeadAt).HasColumnName("deadAt");

        // The change that causes a message writes it once, even when replayed (ON CONFLICT DO NOTHING).
        entity.HasIndex(m => new { m.Kind, m.Key }).IsUnique();
        // The dispatcher's claim: due pending messages in order, a small index however many were sent.
        entity.HasIndex(m => new { m.NextAttemptAt, m.Id }, "IX_OutboxMessage_due").HasFilter("\"status\" = 'PENDING'");
        // Listings by status, newest first, and health's oldest pending message.
        entity.HasIndex(m => new { m.Status, m.CreatedAt, m.Id });
        entity.HasIndex(m => new { m.CreatedAt, m.Id });
    }
}
