using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Billing.Domain.Data;

/// <summary>Where the database is. Bound from <c>ConnectionStrings:Billing</c>, or from the seed's <c>DATABASE_URL</c>.</summary>
public sealed class DatabaseOptions
{
    public const string ConnectionStringName = "Billing";
    public const string ReadOnlyConnectionStringName = "BillingReadOnly";
    public const string DatabaseUrlSetting = "DATABASE_URL";

    public string? ConnectionString { get; set; }
    /// <summary>Optional read replica for query and report endpoints; writes never go there.</summary>
    public string? ReadOnlyConnectionString { get; set; }

    public static DatabaseOptions FromConfiguration(IConfiguration configuration)
    {
        var url = configuration[DatabaseUrlSetting];
        return new DatabaseOptions
        {
            ConnectionString = NullIfBlank(configuration.GetConnectionString(ConnectionStringName))
                ?? (string.IsNullOrWhiteSpace(url) ? null : ConvertDatabaseUrl(url)),
            ReadOnlyConnectionString = NullIfBlank(configuration.GetConnectionString(ReadOnlyConnectionStringName)),
        };
    }

    /// <summary>
    /// Turns a Prisma-style URL (<c>postgresql://user:pass@host:port/db?schema=public&amp;sslmode=require</c>)
    /// into an Npgsql connection string. Unknown query parameters are refused, so a typo is not silently dropped.
    /// </summary>
    public static string ConvertDatabaseUrl(string url)
    {
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("postgresql" or "postgres"))
        {
            throw new FormatException($"{DatabaseUrlSetting} must look like postgresql://user:password@host:5432/database.");
        }
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')),
        };
        var userInfo = uri.UserInfo.Split(':', 2);
        if (userInfo[0].Length > 0)
        {
            builder.Username = Uri.UnescapeDataString(userInfo[0]);
        }
        if (userInfo.Length == 2)
        {
            builder.Password = Uri.UnescapeDataString(userInfo[1]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(parts[0]);
            var value = parts.Length == 2 ? Uri.UnescapeDataString(parts[1]) : "";
            switch (key)
            {
                case "schema": builder.SearchPath = value; break;
                case "sslmode": builder.SslMode = ParseSslMode(value); break;
                case "connection_limit": builder.MaxPoolSize = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "connect_timeout": builder.Timeout = int.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
                case "application_name": builder.ApplicationName = value; break;
                default: throw new FormatException($"{DatabaseUrlSetting} has an unsupported parameter '{key}'.");
            }
        }
        return builder.ConnectionString;
    }

    private static SslMode ParseSslMode(string value) => value switch
    {
        "disable" => SslMode.Disable,
        "allow" => SslMode.Allow,
        "prefer" => SslMode.Prefer,
        "require" => SslMode.Require,
        "verify-ca" => SslMode.VerifyCA,
        "verify-full" => SslMode.VerifyFull,
        _ => throw new FormatException($"{DatabaseUrlSetting} has an unknown sslmode '{value}'."),
    };

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
