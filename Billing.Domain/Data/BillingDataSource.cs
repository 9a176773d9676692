using Azure.Core;
using Billing.Domain.Common;
using Npgsql;

namespace Billing.Domain.Data;

/// <summary>Builds the Npgsql data source: password from the connection string, or a Microsoft Entra token on Azure.</summary>
public static class BillingDataSource
{
    private static readonly string[] AzurePostgresScope = ["https://ossrdbms-aad.database.windows.net/.default"];

    public static NpgsqlDataSource Create(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var settings = builder.ConnectionStringBuilder;
        if (!connectionString.Contains("Auto Prepare", StringComparison.OrdinalIgnoreCase))
        {
            // The webhook's and the cycle's statements are the same on every call; preparing them roughly doubled
            // webhook throughput (bench-results/ingestion.md). Behind a pooler without prepared-statement support,
            // set "Max Auto Prepare=0" in the connection string.
            settings.MaxAutoPrepare = 32;
        }
        if (!connectionString.Contains("Reset On Close", StringComparison.OrdinalIgnoreCase))
        {
            // The app leaves no session state on a connection (advisory locks and temp tables are transaction-scoped, no
            // SET), so the reset Npgsql runs when a pooled connection is reused is pure cost: PostgreSQL parsed and ran it
            // twice per webhook request (bench-results/ingestion.md).
            settings.NoResetOnClose = true;
        }
        if (string.IsNullOrEmpty(settings.Password) && IsAzurePostgres(settings.Host))
        {
            // Managed identity in Azure, the developer's az/VS login elsewhere. The token only opens new
            // physical connections; Azure.Identity caches it, so refreshing every 5 minutes is cheap.
            var credential = AppCredential.Create();
            builder.UsePeriodicPasswordProvider(
                async (_, ct) => (await credential.GetTokenAsync(new TokenRequestContext(AzurePostgresScope), ct)).Token,
                TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(5));
        }
        return builder.Build();
    }

    private static bool IsAzurePostgres(string? host) =>
        host is not null && host.EndsWith(".postgres.database.azure.com", StringComparison.OrdinalIgnoreCase);
}
