using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Billing.Domain.Usage;

public static class UsageServiceCollectionExtensions
{
    public static IServiceCollection AddUsageRecording(this IServiceCollection services, IConfiguration configuration)
    {
        var days = configuration.GetValue("Vapi:Webhook:RawPayloadRetentionDays", 90);
        if (days is < 1 or > 3650)
        {
            throw new InvalidOperationException("Vapi:Webhook:RawPayloadRetentionDays must be between 1 and 3650.");
        }
        services.AddSingleton(new RawReportRetention(TimeSpan.FromDays(days)));
        services.AddSingleton<UsageRecorder>();
        services.AddScoped(sp => new Lazy<Vapi.IVapiApi>(sp.GetRequiredService<Vapi.IVapiApi>));
        services.AddScoped<UsageCompletion>();
        services.AddScoped<EndOfCallReportIngestion>();
        services.AddSingleton<ReportQuarantine>();
        services.AddScoped<QuarantineReplay>();
        services.AddScoped<UsageMaintenance>();
        return services;
    }
}
