using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Billing.Domain.Payments;

public static class StripeServiceCollectionExtensions
{
    /// <summary>Card payments through Stripe; off (pay links 404, no link printed) while <c>Stripe:SecretKey</c> is unset.</summary>
    public static IServiceCollection AddStripePayments(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StripeOptions>().Bind(configuration.GetSection(StripeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        // Tests register their substitute first; the app gets the Stripe.net client.
        services.TryAddSingleton<IStripeCheckout, StripeCheckoutClient>();
        services.AddScoped<StripePayLinks>();
        services.AddScoped<StripeSessionExpiry>();
        services.AddScoped<StripeWebhookHandler>();
        services.AddScoped<Outbox.IOutboxHandler>(sp => sp.GetRequiredService<StripeSessionExpiry>());
        return services;
    }
}
