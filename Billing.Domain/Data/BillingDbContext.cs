using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Clients;
using Billing.Domain.Invoicing;
using Billing.Domain.Invoicing.Pdf;
using Billing.Domain.Outbox;
using Billing.Domain.Parties;
using Billing.Domain.Payments;
using Billing.Domain.Reports;
using Billing.Domain.Usage;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;

namespace Billing.Domain.Data;

public sealed class BillingDbContext(DbContextOptions<BillingDbContext> options) : DbContext(options)
{
    public DbSet<Client> Clients => Set<Client>();
    public DbSet<ClientAssistant> ClientAssistants => Set<ClientAssistant>();
    public DbSet<ClientTerms> ClientTerms => Set<ClientTerms>();
    public DbSet<UsageLog> UsageLogs => Set<UsageLog>();
    public DbSet<VapiCallReport> VapiCallReports => Set<VapiCallReport>();
    public DbSet<QuarantinedReport> QuarantinedReports => Set<QuarantinedReport>();
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<InvoiceLateUsage> InvoiceLateUsage => Set<InvoiceLateUsage>();
    public DbSet<InvoiceNumberSeries> InvoiceNumberSeries => Set<InvoiceNumberSeries>();
    public DbSet<BillingRun> BillingRuns => Set<BillingRun>();
    public DbSet<ClientFailure> ClientFailures => Set<ClientFailure>();
    public DbSet<Payment> Payments => Set<Payment>();
    public DbSet<ClientCredit> ClientCredits => Set<ClientCredit>();
    public DbSet<IdempotencyRecord> IdempotencyKeys => Set<IdempotencyRecord>();
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();
    public DbSet<ApiKeyRevision> ApiKeyRevisions => Set<ApiKeyRevision>();
    public DbSet<ExchangeRate> ExchangeRates => Set<ExchangeRate>();
    public DbSet<OutboxMessage> OutboxMessages => Set<OutboxMessage>();
    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();
    public DbSet<InvoicePdf> InvoicePdfs => Set<InvoicePdf>();
    public DbSet<EFactura.InvoiceEFactura> InvoiceEFacturas => Set<EFactura.InvoiceEFactura>();
    public DbSet<Invoicing.CreditNotes.CreditNote> CreditNotes => Set<Invoicing.CreditNotes.CreditNote>();
    public DbSet<Issuer> Issuers => Set<Issuer>();
    public DbSet<Parties.InvoiceParty> InvoiceParties => Set<Parties.InvoiceParty>();
    public DbSet<InvoiceVatBreakdown> InvoiceVatBreakdowns => Set<InvoiceVatBreakdown>();
    public DbSet<VatRate> VatRates => Set<VatRate>();
    public DbSet<StripeCheckoutSession> StripeCheckoutSessions => Set<StripeCheckoutSession>();
    public DbSet<StripeEvent> StripeEvents => Set<StripeEvent>();

    /// <summary>Refuses values their columns cannot hold before anything is sent (<see cref="ColumnLimits"/>).</summary>
    public override Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        ColumnLimits.Check(ChangeTracker);
        return base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

    public override int SaveChanges(bool acceptAllChangesOnSuccess)
    {
        ColumnLimits.Check(ChangeTracker);
        return base.SaveChanges(acceptAllChangesOnSuccess);
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(BillingDbContext).Assembly);
}
