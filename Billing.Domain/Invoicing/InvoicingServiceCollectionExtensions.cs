using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Domain.Invoicing;

public static class InvoicingServiceCollectionExtensions
{
    public static IServiceCollection AddInvoicing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BillingOptions>().Bind(configuration.GetSection(BillingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<VapiReconciliation>();
        services.AddScoped<BillingCycle>();
        services.AddScoped<InvoiceQueries>();
        services.AddScoped<Clients.ClientService>();
        return services;
    }
}
