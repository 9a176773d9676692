using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Billing.Domain.Vapi;

public static class VapiServiceCollectionExtensions
{
    /// <summary>The Vapi API client with a standard resilience pipeline: per-attempt and total timeouts, retries with
    /// jittered exponential back-off that honour 429/503 <c>Retry-After</c>, and a circuit breaker.</summary>
    public static IServiceCollection AddVapi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VapiOptions>().Bind(configuration.GetSection(VapiOptions.Section))
            .Validate(o => o.BaseUrl.IsAbsoluteUri, "Vapi:BaseUrl must be an absolute URL.")
            .Validate(o => o.PageSize is >= 2 and <= 1000, "Vapi:PageSize must be between 2 and 1000.")
            .ValidateOnStart();

        var vapi = configuration.GetSection(VapiOptions.Section).Get<VapiOptions>() ?? new VapiOptions();
        services.AddHttpClient<IVapiApi, VapiApiClient>()
            .AddStandardResilienceHandler(o =>
            {
                o.AttemptTimeout.Timeout = TimeSpan.FromSeconds(vapi.AttemptTimeoutSeconds);
                o.TotalRequestTimeout.Timeout = TimeSpan.FromSeconds(vapi.TotalTimeoutSeconds);
                o.CircuitBreaker.SamplingDuration = TimeSpan.FromSeconds(Math.Max(vapi.AttemptTimeoutSeconds * 2, 30));
                o.Retry.MaxRetryAttempts = 4;
                o.Retry.Delay = TimeSpan.FromMilliseconds(vapi.RetryBaseDelayMilliseconds);
                o.Retry.UseJitter = true;
                o.Retry.BackoffType = Polly.DelayBackoffType.Exponential;
            });
        services.AddTransient<VapiCallLister>();
        return services;
    }
}
