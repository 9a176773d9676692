using Billing.Domain;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Billing.Cli;

/// <summary>
/// Builds the same services the Functions app uses (<see cref="BillingServiceCollectionExtensions.AddBilling"/>).
/// The database is the configured one (ConnectionStrings__Billing or DATABASE_URL), else the local cluster.
/// </summary>
internal static class CliServices
{
    public static async Task<ServiceProvider> BuildAsync(CancellationToken cancellationToken, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("Billing")) && string.IsNullOrWhiteSpace(configuration["DATABASE_URL"]))
        {
            var local = await LocalDatabase.UpAsync(cancellationToken);
            configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Billing"] = local })
                .AddEnvironmentVariables()
                .Build();
        }
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            // EF Core failures surface as the exception each command reports; their log lines would say it twice.
            .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None));
        services.AddBilling(configuration);
        configure?.Invoke(services);
        return services.BuildServiceProvider();
    }
}
