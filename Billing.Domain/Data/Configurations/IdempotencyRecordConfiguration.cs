using Billing.Domain.Payments;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class IdempotencyRecordConfiguration : IEntityTypeConfiguration<IdempotencyRecord>
{
    public void Configure(EntityTypeBuilder<IdempotencyRecord> entity)
    {
        entity.ToTable("IdempotencyKey");
        entity.HasKey(k => new { k.ApiKeyId, k.Key });
        entity.Property(k => k.ApiKeyId).HasColumnName("apiKeyId");
        entity.Property(k => k.Key).HasColumnName("key").HasMaxLength(IdempotencyKeys.MaxKeyLength);
        entity.Property(k => k.Fingerprint).HasColumnName("fingerprint");
        entity.Property(k => k.Status).HasColumnName("status");
        entity.Property(k => k.ContentType).HasColumnName("contentType").HasMaxLength(100);
        entity.Property(k => k.Body).HasColumnName("body");
        entity.Property(k => k.CreatedAt).HasColumnName("createdAt");
        // The purge of expired answers.
        entity.HasIndex(k => k.CreatedAt);
    }
}
