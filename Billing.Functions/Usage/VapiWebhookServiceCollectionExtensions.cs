using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Functions.Usage;

public static class VapiWebhookServiceCollectionExtensions
{
    public static IServiceCollection AddVapiWebhook(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VapiWebhookOptions>().Bind(configuration.GetSection(VapiWebhookOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<VapiWebhookAuthenticator>();
        return services;
    }
}
