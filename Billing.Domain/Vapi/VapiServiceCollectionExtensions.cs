using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Billing.Domain.Vapi;

public static class VapiServiceCollectionExtensions
{
    /// <summary>The Vapi API client with the standard resilience pipeline's strategies: per-attempt and total timeouts, retries with
    /// jittered exponential back-off that honour 429/503 <c>Retry-After</c>, and a circuit breaker.</summary>
    public static IServiceCollection AddVapi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<VapiOptions>().Bind(configuration.GetSection(VapiOptions.Section))
            .Validate(o => o.BaseUrl.IsAbsoluteUri, "Vapi:BaseUrl must be an absolute URL.")
            .Validate(o => o.PageSize is >= 2 and <= 1000, "Vapi:PageSize must be between 2 and 1000.")
            .ValidateOnStart();

        var vapi = configuration.GetSection(VapiOptions.Section).Get<VapiOptions>() ?? new VapiOptions();
        services.AddHttpClient<IVapiApi, VapiApiClient>()
            .AddResilienceHandler("vapi", (pipeline, _) =>
            {
                // Time-outs and back-off are wall-clock matters: the app's TimeProvider is the billing clock, which
                // the CLI and tests fix or move by hand, and a delay on a fixed clock would never end.
                pipeline.TimeProvider = TimeProvider.System;
                pipeline
                    .AddTimeout(TimeSpan.FromSeconds(vapi.TotalTimeoutSeconds))
                    .AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = 4,
                        Delay = TimeSpan.FromMilliseconds(vapi.RetryBaseDelayMilliseconds),
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                    })
                    .AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                    {
                        SamplingDuration = TimeSpan.FromSeconds(Math.Max(vapi.AttemptTimeoutSeconds * 2, 30)),
                    })
                    .AddTimeout(TimeSpan.FromSeconds(vapi.AttemptTimeoutSeconds));
            });
        services.AddTransient<VapiCallLister>();
        return services;
    }
}
