using Billing.Domain.Parties;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class IssuerConfiguration : IEntityTypeConfiguration<Issuer>
{
    public void Configure(EntityTypeBuilder<Issuer> entity)
    {
        entity.ToTable("Issuer", t =>
        {
            t.HasCheckConstraint("CK_Issuer_single_row", $"\"id\" = {Issuer.SingleId}");
            t.HasCheckConstraint("CK_Issuer_fiscalCode", "\"fiscalCode\" ~ '^[1-9][0-9]{1,9}$'");
            t.HasCheckConstraint("CK_Issuer_vatOnReceipt", "NOT \"vatOnReceipt\" OR \"vatPayer\"");
            t.HasCheckConstraint("CK_Issuer_country", "\"country\" = 'RO'");
        });
        entity.HasKey(i => i.Id);
        entity.Property(i => i.Id).HasColumnName("id").ValueGeneratedNever();
        entity.Property(i => i.LegalName).HasColumnName("legalName").HasMaxLength(IssuerDetails.MaxLegalName);
        entity.Property(i => i.FiscalCode).HasColumnName("fiscalCode").HasMaxLength(10);
        entity.Property(i => i.VatPayer).HasColumnName("vatPayer");
        entity.Property(i => i.VatOnReceipt).HasColumnName("vatOnReceipt");
        entity.Property(i => i.VatExemptionReason).HasColumnName("vatExemptionReason").HasMaxLength(IssuerDetails.MaxExemptionReason);
        entity.Property(i => i.TradeRegisterNumber).HasColumnName("tradeRegisterNumber").HasMaxLength(IssuerDetails.MaxTradeRegisterNumber);
        entity.Property(i => i.Street).HasColumnName("street").HasMaxLength(PostalAddress.MaxStreet);
        entity.Property(i => i.City).HasColumnName("city").HasMaxLength(PostalAddress.MaxCity);
        entity.Property(i => i.County).HasColumnName("county").HasMaxLength(PostalAddress.MaxCounty);
        entity.Property(i => i.PostalCode).HasColumnName("postalCode").HasMaxLength(PostalAddress.MaxPostalCode);
        entity.Property(i => i.Country).HasColumnName("country").HasMaxLength(2);
        entity.Property(i => i.Iban).HasColumnName("iban").HasMaxLength(34);
        entity.Property(i => i.Bank).HasColumnName("bank").HasMaxLength(IssuerDetails.MaxBank);
        entity.Property(i => i.Email).HasColumnName("email").HasMaxLength(PartyText.MaxEmail);
        entity.Property(i => i.Phone).HasColumnName("phone").HasMaxLength(IssuerDetails.MaxPhone);
        entity.Ignore(i => i.VatId);
        entity.Property(i => i.UpdatedAt).HasColumnName("updatedAt").HasDefaultValueSql("now()").ValueGeneratedOnAddOrUpdate();
    }
}
