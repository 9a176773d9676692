using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Functions.Usage;

public static class VapiWebhookServiceCollectionExtensions
{
    public static IServiceCollection AddVapiWebhook(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VapiWebhookOptions>().Bind(configuration.GetSection(VapiWebhookOptions.Section))
            .Configure(o => o.RunningInAzure = !string.IsNullOrEmpty(configuration["WEBSITE_INSTANCE_ID"]))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<VapiWebhookAuthenticator>();
        return services;
    }
}
