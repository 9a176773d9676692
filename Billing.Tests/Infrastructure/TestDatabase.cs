using Billing.Domain;
using Billing.Domain.Data;
using Billing.Functions;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Billing.Tests.Infrastructure;

/// <summary>
/// A test class's own database: a clone of the run's migrated template, dropped when the class is done.
/// Use <see cref="CreateServices"/> for the app's real registrations pointed at it.
/// </summary>
public sealed class TestDatabase(PostgresServer server) : IAsyncLifetime
{
    public string Name { get; } = $"billing_test_{Guid.NewGuid():N}";
    public string ConnectionString => server.ConnectionStringFor(Name);
    public PostgresServer Server => server;

    public async ValueTask InitializeAsync()
    {
        // CREATE DATABASE ... TEMPLATE fails while another session copies the same template; retry briefly.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await server.ExecuteAsync($"CREATE DATABASE \"{Name}\" TEMPLATE \"{server.TemplateName}\"");
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ObjectInUse && attempt < 20)
            {
                await Task.Delay(100 * attempt);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearPool(new NpgsqlConnection(ConnectionString));
        await server.ExecuteAsync($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)");
    }

    public BillingDbContext CreateContext() =>
        new(new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql(ConnectionString).Options);

    public async Task<NpgsqlConnection> OpenConnectionAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    /// <summary>
    /// The Functions app's own registrations (<c>AddBilling</c> + <c>AddBillingFunctions</c>) on this database,
    /// with the clock replaced. Extra settings and service overrides are for the test at hand.
    /// </summary>
    public ServiceProvider CreateServices(
        FakeTimeProvider? clock = null,
        Dictionary<string, string?>? settings = null,
        Action<IServiceCollection>? overrides = null)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Billing"] = ConnectionString })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        // Every level is kept and searched for credentials after each request (see LogLeakSearch).
        var leakSearch = new LogLeakSearch(configuration);
        services.AddSingleton(leakSearch);
        services.AddLogging(logging => logging.AddProvider(leakSearch.Logs).SetMinimumLevel(LogLevel.Trace));
        services.AddSingleton<TimeProvider>(clock ?? new FakeTimeProvider(new DateTimeOffset(2025, 12, 1, 8, 0, 0, TimeSpan.Zero)));
        services.AddBilling(configuration);
        services.AddBillingFunctions(configuration);
        overrides?.Invoke(services);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true, ValidateOnBuild = true });
    }
}
