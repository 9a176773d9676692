using Billing.Domain;
using Billing.Domain.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Billing.Tests.Domain;

public sealed class DatabaseOptionsTests
{
    [Fact]
    public void The_seed_DATABASE_URL_becomes_an_Npgsql_connection_string()
    {
        var converted = new NpgsqlConnectionStringBuilder(DatabaseOptions.ConvertDatabaseUrl(
            "postgresql://billing%40app:p%40ss%3Aword@db.example.com:6543/voice_ai_billing?schema=public&sslmode=verify-full"));

        Assert.Equal("db.example.com", converted.Host);
        Assert.Equal(6543, converted.Port);
        Assert.Equal("voice_ai_billing", converted.Database);
        Assert.Equal("billing@app", converted.Username);
        Assert.Equal("p@ss:word", converted.Password);
        Assert.Equal("public", converted.SearchPath);
        Assert.Equal(SslMode.VerifyFull, converted.SslMode);
    }

    [Fact]
    public void A_DATABASE_URL_without_port_uses_5432()
    {
        var converted = new NpgsqlConnectionStringBuilder(DatabaseOptions.ConvertDatabaseUrl("postgres://u:p@localhost/db"));
        Assert.Equal(5432, converted.Port);
    }

    [Theory]
    [InlineData("mysql://u:p@localhost/db")]
    [InlineData("not a url")]
    [InlineData("postgresql://u:p@localhost/db?sslmod=require")]
    public void A_malformed_DATABASE_URL_is_refused_with_the_setting_named(string url)
    {
        var error = Assert.Throws<FormatException>(() => DatabaseOptions.ConvertDatabaseUrl(url));
        Assert.Contains("DATABASE_URL", error.Message);
    }

    [Fact]
    public void ConnectionStrings_Billing_wins_over_DATABASE_URL()
    {
        var options = DatabaseOptions.FromConfiguration(Configuration(new()
        {
            ["ConnectionStrings:Billing"] = "Host=primary;Database=billing",
            ["DATABASE_URL"] = "postgresql://u:p@other/db",
        }));
        Assert.Equal("Host=primary;Database=billing", options.ConnectionString);
    }

    [Fact]
    public void Start_up_fails_with_a_message_naming_the_missing_setting()
    {
        var services = new ServiceCollection();
        services.AddBilling(Configuration(new()));
        using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("ConnectionStrings:Billing", error.Message);
        Assert.Contains("DATABASE_URL", error.Message);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
