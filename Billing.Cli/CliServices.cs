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
    public static async Task<ServiceProvider> BuildAsync(CliEnvironment environment, CancellationToken cancellationToken)
    {
        var configuration = Configuration(environment);
        if (string.IsNullOrWhiteSpace(configuration.GetConnectionString("Billing")) && string.IsNullOrWhiteSpace(configuration["DATABASE_URL"]))
        {
            var local = await LocalServers.DatabaseAsync(cancellationToken);
            configuration = Configuration(environment, new() { ["ConnectionStrings:Billing"] = local });
        }
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning)
            // EF Core failures surface as the exception each command reports; their log lines would say it twice.
            .AddFilter("Microsoft.EntityFrameworkCore", LogLevel.None));
        if (environment.Clock is not null)
        {
            services.AddSingleton(environment.Clock);
        }
        services.AddBilling(configuration);
        return services.BuildServiceProvider();
    }

    private static IConfiguration Configuration(CliEnvironment environment, Dictionary<string, string?>? local = null) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(local ?? [])
            .AddEnvironmentVariables()
            .AddInMemoryCollection(environment.Settings)
            .Build();
}
