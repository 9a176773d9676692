using Billing.Domain.Access;
using Billing.Domain.Audit;
using Billing.Domain.Data;
using Billing.Domain.Invoicing;
using Billing.Domain.Mail;
using Billing.Domain.Outbox;
using Billing.Domain.Parties;
using Billing.Domain.Payments;
using Billing.Domain.Reports;
using Billing.Domain.Settings;
using Billing.Domain.Telemetry;
using Billing.Domain.Usage;
using Billing.Domain.Vapi;
using Billing.Domain.Vat;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Domain;

public static class BillingServiceCollectionExtensions
{
    /// <summary>
    /// The one registration of the billing services, shared by the Functions app, the CLI and the tests,
    /// so all three run the same code against the same configuration.
    /// </summary>
    public static IServiceCollection AddBilling(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSettingsChecks(configuration);
        services.AddMetrics();
        services.TryAddSingleton<BillingMetrics>();

        services.AddOptions<DatabaseOptions>()
            .Configure(o =>
            {
                var resolved = DatabaseOptions.FromConfiguration(configuration);
                o.ConnectionString = resolved.ConnectionString;
                o.ReadOnlyConnectionString = resolved.ReadOnlyConnectionString;
            })
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString),
                $"No database configured: set ConnectionStrings:{DatabaseOptions.ConnectionStringName} " +
                $"(environment: ConnectionStrings__{DatabaseOptions.ConnectionStringName}) or {DatabaseOptions.DatabaseUrlSetting}.")
            .ValidateOnStart();

        services.TryAddSingleton(sp => BillingDataSource.Create(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString!));
        // Pooled: every API request gets a context (the key check), and renting one is cheaper than building it.
        services.AddDbContextPool<BillingDbContext>((sp, options) => options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));

        // Reports read from the replica when one is configured; a second data source keeps its pool apart.
        services.TryAddSingleton(sp => new ReportingDatabase(
            sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ReadOnlyConnectionString is { } replica
                ? BillingDataSource.Create(replica)
                : sp.GetRequiredService<NpgsqlDataSource>()));
        services.AddScoped<ReportQueries>();
        services.AddOptions<ExchangeRateOptions>().Bind(configuration.GetSection(ExchangeRateOptions.Section));
        services.AddHttpClient(ExchangeRates.HttpClientName, c => c.Timeout = TimeSpan.FromSeconds(30));
        services.AddScoped<ExchangeRates>();
        services.AddScoped<AuditTrail>();
        services.AddScoped<AuditHistory>();
        services.AddScoped<PaymentService>();
        services.AddScoped<IdempotencyKeys>();
        services.AddScoped<BankStatements>();
        services.AddScoped<IssuerService>();
        services.AddOptions<VatOptions>().Bind(configuration.GetSection(VatOptions.Section))
            .Validate(o => Enum.IsDefined(o.TaxPoint), "Billing:TaxPoint must be ServicePeriodEnd or IssueDate.").ValidateOnStart();
        services.AddScoped<VatRateTable>();
        services.AddScoped<InvoiceTaxes>();
        services.AddSingleton<ApiKeyCache>();
        services.AddSingleton<ApiKeyUsage>();
        services.AddScoped<ApiKeyService>();
        services.AddVapi(configuration);
        services.AddUsageRecording(configuration);
        services.AddInvoicing(configuration);
        services.AddOutbox(configuration);
        services.AddMail(configuration);
        services.AddStripePayments(configuration);

        return services;
    }
}
