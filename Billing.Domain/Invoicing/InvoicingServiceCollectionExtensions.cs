using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Domain.Invoicing;

public static class InvoicingServiceCollectionExtensions
{
    public static IServiceCollection AddInvoicing(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BillingOptions>().Bind(configuration.GetSection(BillingOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped<Usage.VapiReconciliation>();
        services.AddScoped<InvoiceNumbers>();
        services.AddScoped<DuePeriodQuery>();
        services.AddScoped<InvoiceIssuer>();
        services.AddScoped<OverdueInvoices>();
        services.AddScoped<Payments.CreditApplication>();
        services.AddScoped<ClientFailures>();
        services.AddScoped<BillingCycle>();
        services.AddScoped<Pdf.InvoiceDocuments>();
        services.AddScoped<Pdf.InvoicePdfs>();
        services.AddScoped<EFactura.EFacturaDocuments>();
        services.AddScoped<CreditNotes.CreditNoteService>();
        services.AddScoped<CreditNotes.InvoiceReissue>();
        services.AddScoped<InvoiceEmail>();
        services.AddScoped<Outbox.IOutboxHandler>(sp => sp.GetRequiredService<InvoiceEmail>());
        services.AddScoped<Clients.ClientService>();
        return services;
    }
}
