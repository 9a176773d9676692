// Billing app on Azure Functions (Flex Consumption, .NET isolated worker) + PostgreSQL (Entra-only auth) + Key Vault.
// Verified with Bicep CLI 0.49.2: `bicep build` and `bicep lint` report no errors or warnings.
// Deploy: az deployment group create -g <rg> -f infra/main.bicep -p pgAdminObjectId=... pgAdminPrincipalName=... \
//           vapiWebhookSecret=... vapiApiKey=...
// After the first deployment, run the SQL in the `postgresAppRoleSql` output as the Entra admin on the
// `postgres` database, then grant the role rights in the billing database (see AZURE-NOTES.md §5).

targetScope = 'resourceGroup'

@description('Lowercase letters and digits only; used to derive every resource name.')
@minLength(3)
@maxLength(10)
param appName string = 'billing'

@allowed([
  'dev'
  'prod'
])
param environmentName string = 'prod'

param location string = resourceGroup().location

@description('Object ID of the Entra user or group that administers PostgreSQL (runs migrations, creates the app role).')
param pgAdminObjectId string

@description('Name of that principal as Entra shows it (UPN for a user, display name for a group); it becomes its PostgreSQL role name.')
param pgAdminPrincipalName string

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param pgAdminPrincipalType string = 'Group'

@allowed([
  '16'
  '17'
])
param postgresVersion string = '17'

param postgresSkuName string = 'Standard_B1ms'

@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@minValue(32)
param postgresStorageSizeGB int = 32

@description('Flex Consumption: the lowest allowed maximum is 40.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances for the HTTP group (0 = scale to zero; 1 removes most webhook cold starts, billed as a baseline).')
@minValue(0)
param alwaysReadyHttpInstances int = 0

@secure()
@description('Shared secret Vapi sends with each webhook (server.secret / X-Vapi-Secret).')
param vapiWebhookSecret string

@secure()
@description('Private API key for calls to the Vapi API.')
param vapiApiKey string

var token = toLower(uniqueString(resourceGroup().id, appName, environmentName))
var prefix = '${appName}-${environmentName}'
var functionAppName = 'func-${prefix}-${take(token, 6)}'
var storageAccountName = take('st${appName}${token}', 24)
var keyVaultName = take('kv-${appName}-${token}', 24)
var postgresServerName = 'psql-${prefix}-${take(token, 6)}'
var deploymentContainerName = 'app-package'
var databaseName = 'billing'

var roleIds = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
}

// ---------- Monitoring ----------

resource logs 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: 'log-${prefix}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${prefix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true // ingestion only with Entra (APPLICATIONINSIGHTS_AUTHENTICATION_STRING)
  }
}

// ---------- Host storage (identity only, no account keys) ----------

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2025-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2025-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

// ---------- Function app: Flex Consumption, .NET isolated worker ----------

resource plan 'Microsoft.Web/serverfarms@2024-11-01' = {
  name: 'plan-${prefix}'
  location: location
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true // Linux
  }
}

resource functionApp 'Microsoft.Web/sites@2024-11-01' = {
  name: functionAppName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'SystemAssignedIdentity'
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
        alwaysReady: alwaysReadyHttpInstances > 0
          ? [
              {
                name: 'http'
                instanceCount: alwaysReadyHttpInstances
              }
            ]
          : []
      }
      // Flex takes the language from here; FUNCTIONS_WORKER_RUNTIME and FUNCTIONS_EXTENSION_VERSION
      // are not app settings on Flex.
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
  dependsOn: [
    deploymentContainer
  ]
}

// Deployments authenticate with Entra (az CLI / func), never with publishing passwords.
resource scmBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'scm'
  properties: {
    allow: false
  }
}

resource ftpBasicAuth 'Microsoft.Web/sites/basicPublishingCredentialsPolicies@2024-11-01' = {
  parent: functionApp
  name: 'ftp'
  properties: {
    allow: false
  }
}

// ---------- Key Vault (RBAC) with the Vapi secrets ----------

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: true
    publicNetworkAccess: 'Enabled'
  }
}

resource webhookSecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'vapi-webhook-secret'
  properties: {
    value: vapiWebhookSecret
    contentType: 'text/plain'
  }
}

resource apiKeySecret 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = {
  parent: vault
  name: 'vapi-api-key'
  properties: {
    value: vapiApiKey
    contentType: 'text/plain'
  }
}

// ---------- Role assignments for the app's system-assigned identity ----------

resource storageRoles 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for roleId in [
    roleIds.storageBlobDataOwner
    roleIds.storageQueueDataContributor
    roleIds.storageTableDataContributor
  ]: {
    name: guid(storage.id, functionApp.id, roleId)
    scope: storage
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleId)
      principalId: functionApp.identity.principalId
      principalType: 'ServicePrincipal'
    }
  }
]

resource appInsightsRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, functionApp.id, roleIds.monitoringMetricsPublisher)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.monitoringMetricsPublisher)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource vaultRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, functionApp.id, roleIds.keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roleIds.keyVaultSecretsUser)
    principalId: functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------- PostgreSQL Flexible Server, Microsoft Entra authentication only ----------

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = {
  name: postgresServerName
  location: location
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: postgresVersion
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled' // no administratorLogin/password at all
      tenantId: tenant().tenantId
    }
    storage: {
      storageSizeGB: postgresStorageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: 14
      geoRedundantBackup: 'Disabled'
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

// The resource name IS the principal's object ID; it must be known when the deployment starts
// (BCP120), which is why the app's own identity cannot be made admin here without a module.
resource postgresAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2025-08-01' = {
  parent: postgres
  name: pgAdminObjectId
  properties: {
    principalName: pgAdminPrincipalName
    principalType: pgAdminPrincipalType
    tenantId: tenant().tenantId
  }
}

// Child operations on one server run one at a time; chain them to avoid "server busy" conflicts.
resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2025-08-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
  dependsOn: [
    postgresAdmin
  ]
}

// Flex Consumption has no fixed outbound IPs; without VNet integration the only public-access option
// is the "Azure services" rule (0.0.0.0). Production: VNet-integrate the app and use a private endpoint.
resource allowAzureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
  dependsOn: [
    database
  ]
}

// ---------- App settings (separate resource so they land after the role assignments) ----------

resource appSettings 'Microsoft.Web/sites/config@2024-11-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Identity-based host storage: blobs (keys, timer status, singleton leases), queues, tables.
    AzureWebJobsStorage__accountName: storage.name
    APPLICATIONINSIGHTS_CONNECTION_STRING: appInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'
    // Npgsql: no password; the app adds an Entra token through UsePeriodicPasswordProvider.
    // Username = the PostgreSQL role created for the app identity (its name = the app name).
    ConnectionStrings__Billing: 'Host=${postgres.properties.fullyQualifiedDomainName};Database=${databaseName};Username=${functionApp.name};SSL Mode=VerifyFull'
    // Versionless Key Vault references: the platform resolves them with the system identity.
    Vapi__Webhook__Secrets__0: '@Microsoft.KeyVault(SecretUri=${webhookSecret.properties.secretUri})'
    Vapi__ApiKey: '@Microsoft.KeyVault(SecretUri=${apiKeySecret.properties.secretUri})'
    // NCRONTAB in UTC (Linux plans ignore WEBSITE_TIME_ZONE): hourly at minute 5, so each client's period
    // closes on time in its own zone.
    BillingCycleSchedule: '0 5 * * * *'
  }
  dependsOn: [
    storageRoles
    appInsightsRole
    vaultRole
    allowAzureServices
  ]
}

output functionAppName string = functionApp.name
output functionAppUrl string = 'https://${functionApp.properties.defaultHostName}'
output functionAppPrincipalId string = functionApp.identity.principalId
output postgresHost string = postgres.properties.fullyQualifiedDomainName
output keyVaultName string = vault.name

@description('Run once as the Entra admin while connected to the `postgres` database.')
output postgresAppRoleSql string = 'SELECT * FROM pgaadauth_create_principal_with_oid(\'${functionApp.name}\', \'${functionApp.identity.principalId}\', \'service\', false, false);'
