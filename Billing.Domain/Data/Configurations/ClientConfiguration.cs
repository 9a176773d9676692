using Billing.Domain.Clients;
using Billing.Domain.Common;
using Billing.Domain.Parties;
using Billing.Domain.Usage;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Billing.Domain.Data.Configurations;

internal sealed class ClientConfiguration : IEntityTypeConfiguration<Client>
{
    public void Configure(EntityTypeBuilder<Client> entity)
    {
        entity.ToTable("Client", t =>
        {
            t.HasNonNegative("taxaLunara", "costPerMinut", "includedMinutes", "paymentTermDays");
            t.HasCheckConstraint("CK_Client_billingDay", "\"billingDay\" BETWEEN 1 AND 28");
            t.HasCheckConstraint("CK_Client_currency", "\"currency\" ~ '^[A-Z]{3}$'");
            t.HasTextCheck<MinuteRounding>("minuteRounding", TextCase.Lower);
            t.HasTextCheck<PriceBasis>("priceBasis", TextCase.Lower);
            t.HasCheckConstraint("CK_Client_country", "\"country\" ~ '^[A-Z]{2}$'");
        });
        entity.HasKey(c => c.Id);
        entity.Property(c => c.Id).IsDatabaseGeneratedId();
        entity.Property(c => c.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.HasIndex(c => c.ClientId).IsUnique();
        entity.Property(c => c.Name).HasColumnName("clientName").HasMaxLength(200);
        entity.Property(c => c.Email).HasColumnName("email").HasMaxLength(320);
        entity.Property(c => c.MonthlyFee).HasColumnName("taxaLunara").HasPrecision(12, 2);
        entity.Property(c => c.PricePerMinute).HasColumnName("costPerMinut").HasPrecision(12, 4);
        entity.Property(c => c.Currency).HasColumnName("currency").HasMaxLength(3).HasDefaultValue(Client.DefaultCurrency);
        entity.Property(c => c.BillingDay).HasColumnName("billingDay").HasDefaultValue(1).HasSentinel(1);
        entity.Property(c => c.TimeZone).HasColumnName("timeZone").HasMaxLength(64).HasDefaultValue(Client.DefaultTimeZone);
        entity.Property(c => c.BillingStartDate).HasColumnName("billingStartDate");
        entity.Property(c => c.MinuteRounding).HasColumnName("minuteRounding").HasTextValues(TextCase.Lower)
            .HasDefaultValue(MinuteRounding.PerMinute).HasSentinel(MinuteRounding.PerMinute);
        entity.Property(c => c.IncludedMinutes).HasColumnName("includedMinutes").HasPrecision(12, 4).HasDefaultValue(0m);
        entity.Property(c => c.PaymentTermDays).HasColumnName("paymentTermDays").HasDefaultValue(Client.DefaultPaymentTermDays)
            .HasSentinel(Client.DefaultPaymentTermDays);
        entity.Property(c => c.ProrateFirstPeriod).HasColumnName("prorateFirstPeriod").HasDefaultValue(false);
        entity.Property(c => c.BillVapiFaults).HasColumnName("billVapiFaults").HasDefaultValue(false);
        entity.Property(c => c.AllowCredit).HasColumnName("allowCredit").HasDefaultValue(false);
        entity.Property(c => c.PriceBasis).HasColumnName("priceBasis").HasTextValues(TextCase.Lower)
            .HasDefaultValue(PriceBasis.Net).HasSentinel(PriceBasis.Net);
        entity.Ignore(c => c.Buyer);
        entity.Property(c => c.LegalName).HasColumnName("legalName").HasMaxLength(BuyerDetails.MaxLegalName);
        entity.Property(c => c.FiscalCode).HasColumnName("fiscalCode").HasMaxLength(BuyerDetails.MaxFiscalCode);
        entity.Property(c => c.TradeRegisterNumber).HasColumnName("tradeRegisterNumber").HasMaxLength(BuyerDetails.MaxTradeRegisterNumber);
        entity.Property(c => c.Street).HasColumnName("street").HasMaxLength(PostalAddress.MaxStreet);
        entity.Property(c => c.City).HasColumnName("city").HasMaxLength(PostalAddress.MaxCity);
        entity.Property(c => c.County).HasColumnName("county").HasMaxLength(PostalAddress.MaxCounty);
        entity.Property(c => c.PostalCode).HasColumnName("postalCode").HasMaxLength(PostalAddress.MaxPostalCode);
        entity.Property(c => c.Country).HasColumnName("country").HasMaxLength(2).HasDefaultValue(PostalAddress.Romania);
        entity.Property(c => c.BillingEmail).HasColumnName("billingEmail").HasMaxLength(PartyText.MaxEmail);
        entity.Property(c => c.Active).HasColumnName("active").HasDefaultValue(true).HasSentinel(true);
        entity.HasIndex(c => c.Active);
        entity.HasAuditTimestamps(c => c.CreatedAt, c => c.UpdatedAt);

        entity.HasMany(c => c.Assistants).WithOne().HasForeignKey(a => a.ClientId).HasPrincipalKey(c => c.ClientId)
            .OnDelete(DeleteBehavior.Cascade);
        entity.HasMany<ClientTerms>().WithOne().HasForeignKey(t => t.ClientId).HasPrincipalKey(c => c.ClientId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ClientTermsConfiguration : IEntityTypeConfiguration<ClientTerms>
{
    public void Configure(EntityTypeBuilder<ClientTerms> entity)
    {
        // The same rules as the client's own columns, which hold its latest terms.
        entity.ToTable("ClientTerms", t =>
        {
            t.HasNonNegative("taxaLunara", "costPerMinut", "includedMinutes");
            t.HasCheckConstraint("CK_ClientTerms_currency", "\"currency\" ~ '^[A-Z]{3}$'");
            t.HasTextCheck<MinuteRounding>("minuteRounding", TextCase.Lower);
        });
        entity.HasKey(t => t.Id);
        entity.Property(t => t.Id).IsDatabaseGeneratedId();
        entity.Property(t => t.ClientId).HasColumnName("clientId").HasMaxLength(100);
        entity.Property(t => t.EffectiveFrom).HasColumnName("effectiveFrom");
        // One row per period start: a second change for the same start replaces the scheduled one.
        entity.HasIndex(t => new { t.ClientId, t.EffectiveFrom }).IsUnique();
        entity.Property(t => t.MonthlyFee).HasColumnName("taxaLunara").HasPrecision(12, 2);
        entity.Property(t => t.PricePerMinute).HasColumnName("costPerMinut").HasPrecision(12, 4);
        entity.Property(t => t.IncludedMinutes).HasColumnName("includedMinutes").HasPrecision(12, 4);
        entity.Property(t => t.MinuteRounding).HasColumnName("minuteRounding").HasTextValues(TextCase.Lower);
        entity.Property(t => t.Currency).HasColumnName("currency").HasMaxLength(3);
        entity.Property(t => t.TimeZone).HasColumnName("timeZone").HasMaxLength(64);
        entity.Property(t => t.CreatedAt).HasColumnName("createdAt").HasDefaultValueSql("now()").ValueGeneratedOnAdd();
        entity.Ignore(t => t.StartsAt);
    }
}

internal sealed class ClientAssistantConfiguration : IEntityTypeConfiguration<ClientAssistant>
{
    public void Configure(EntityTypeBuilder<ClientAssistant> entity)
    {
        entity.ToTable("ClientAssistant", t => t.HasTextCheck<VapiResourceKind>("kind", TextCase.Lower));
        entity.HasKey(a => new { a.Kind, a.VapiId });
        entity.Property(a => a.Kind).HasColumnName("kind").HasTextValues(TextCase.Lower);
        entity.Property(a => a.VapiId).HasColumnName("vapiId").HasMaxLength(100);
        entity.Property(a => a.ClientId).HasColumnName("clientId").HasMaxLength(100);
        // A client's assistants, and its first assistant for the invoice, without scanning every assistant of a kind.
        entity.HasIndex(a => new { a.ClientId, a.Kind });
        entity.Property(a => a.CreatedAt).HasColumnName("createdAt").HasDefaultValueSql("now()").ValueGeneratedOnAdd();
    }
}
