using Billing.Domain.Access;
using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Reports;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class ApiKeyConfiguration : IEntityTypeConfiguration<ApiKey>
{
    public void Configure(EntityTypeBuilder<ApiKey> entity)
    {
        entity.ToTable("ApiKey", t =>
        {
            t.HasTextCheck<ApiKeyScope>("scope", TextCase.Lower);
            t.HasCheckConstraint("CK_ApiKey_client_scope", "(\"scope\" = 'client') = (\"clientId\" IS NOT NULL)");
            t.HasCheckConstraint("CK_ApiKey_keyHash", "octet_length(\"keyHash\") = 32");
        });
        entity.HasKey(k => k.Id);
        entity.Property(k => k.Id).IsDatabaseGeneratedId();
        entity.Property(k => k.Name).HasColumnName("name").HasMaxLength(200);
        entity.Property(k => k.Prefix).HasColumnName("prefix").HasMaxLength(32);
        entity.HasIndex(k => k.Prefix).IsUnique();
        entity.Property(k => k.KeyHash).HasColumnName("keyHash");
        entity.Property(k => k.Scope).HasColumnName("scope").HasTextValues(TextCase.Lower);
        entity.Property(k => k.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.Property(k => k.ExpiresAt).HasColumnName("expiresAt");
        entity.Property(k => k.RevokedAt).HasColumnName("revokedAt");
        entity.Property(k => k.LastUsedAt).HasColumnName("lastUsedAt");
        entity.Property(k => k.CreatedAt).HasColumnName("createdAt").HasDefaultValueSql("now()").ValueGeneratedOnAdd();
        entity.HasOne<Client>().WithMany().HasForeignKey(k => k.ClientId).HasPrincipalKey(c => c.ClientId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ApiKeyRevisionConfiguration : IEntityTypeConfiguration<ApiKeyRevision>
{
    public void Configure(EntityTypeBuilder<ApiKeyRevision> entity)
    {
        entity.ToTable("ApiKeyRevision", t => t.HasCheckConstraint("CK_ApiKeyRevision_single", $"\"id\" = {ApiKeyRevision.SingleId}"));
        entity.HasKey(r => r.Id);
        entity.Property(r => r.Id).HasColumnName("id").ValueGeneratedNever();
        entity.Property(r => r.Revision).HasColumnName("revision");
        entity.HasData(new ApiKeyRevision { Id = ApiKeyRevision.SingleId, Revision = 0 });
    }
}

internal sealed class ExchangeRateConfiguration : IEntityTypeConfiguration<ExchangeRate>
{
    public void Configure(EntityTypeBuilder<ExchangeRate> entity)
    {
        entity.ToTable("ExchangeRate", t =>
        {
            t.HasCheckConstraint("CK_ExchangeRate_rate_positive", "\"rate\" > 0");
            t.HasCheckConstraint("CK_ExchangeRate_currency", "\"currency\" ~ '^[A-Z]{3}$' AND \"quoteCurrency\" ~ '^[A-Z]{3}$'");
        });
        entity.HasKey(r => new { r.Date, r.Currency, r.QuoteCurrency });
        entity.Property(r => r.Date).HasColumnName("date");
        entity.Property(r => r.Currency).HasColumnName("currency").HasMaxLength(3);
        entity.Property(r => r.QuoteCurrency).HasColumnName("quoteCurrency").HasMaxLength(3);
        entity.Property(r => r.Rate).HasColumnName("rate").HasPrecision(14, 6);
        entity.Property(r => r.Source).HasColumnName("source").HasMaxLength(40);
        entity.Property(r => r.CreatedAt).HasColumnName("createdAt").HasDefaultValueSql("now()").ValueGeneratedOnAdd();
    }
}
