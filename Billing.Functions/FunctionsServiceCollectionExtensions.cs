using Billing.Functions.Usage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Functions;

public static class FunctionsServiceCollectionExtensions
{
    /// <summary>
    /// What the HTTP and timer functions need beyond <see cref="Billing.Domain.BillingServiceCollectionExtensions.AddBilling"/>.
    /// Tests call it too, so function classes are tested with the app's real registrations.
    /// </summary>
    public static IServiceCollection AddBillingFunctions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddProblemDetails();
        services.AddScoped<Infrastructure.CallerResolver>();
        services.AddScoped<Infrastructure.IdempotentRequests>();
        services.AddOptions<Infrastructure.LimitsOptions>().Bind(configuration.GetSection(Infrastructure.LimitsOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Infrastructure.DatabaseWorkGate>();
        services.AddSingleton<Infrastructure.KeyRateLimiter>();
        services.AddHostedService<Keys.ApiKeyUsageFlusher>();
        services.AddVapiWebhook(configuration);
        return services;
    }
}
