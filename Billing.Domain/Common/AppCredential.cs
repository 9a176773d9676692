using Azure.Core;
using Azure.Identity;

namespace Billing.Domain.Common;

/// <summary>Who the app is to Entra ID: its system-assigned managed identity in Azure, the developer's az/VS login elsewhere.</summary>
public static class AppCredential
{
    public static TokenCredential Create() => Environment.GetEnvironmentVariable("WEBSITE_SITE_NAME") is null
        ? new DefaultAzureCredential()
        : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
}
