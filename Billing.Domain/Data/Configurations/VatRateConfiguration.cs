using Billing.Domain.Common;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class VatRateConfiguration : IEntityTypeConfiguration<VatRate>
{
    public void Configure(EntityTypeBuilder<VatRate> entity)
    {
        entity.ToTable("VatRate", t =>
        {
            t.HasTextCheck<VatRateKind>("kind", TextCase.Lower);
            t.HasCheckConstraint("CK_VatRate_percent", "\"percent\" >= 0 AND \"percent\" < 100");
            t.HasCheckConstraint("CK_VatRate_validity", "\"validTo\" IS NULL OR \"validTo\" >= \"validFrom\"");
        });
        entity.HasKey(r => r.Id);
        entity.Property(r => r.Id).HasColumnName("id").UseIdentityByDefaultColumn();
        entity.Property(r => r.Kind).HasColumnName("kind").HasTextValues(TextCase.Lower);
        entity.Property(r => r.Percent).HasColumnName("percent").HasPrecision(5, 2);
        entity.Property(r => r.ValidFrom).HasColumnName("validFrom");
        entity.Property(r => r.ValidTo).HasColumnName("validTo");
        entity.HasIndex(r => new { r.Kind, r.ValidFrom }).IsUnique();
    }
}
