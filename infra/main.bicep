// The billing app in Azure: Flex Consumption Function App (.NET 10 isolated worker) over PostgreSQL Flexible Server
// (Entra-only), Key Vault and identity-only storage, all three reached through private endpoints in one VNet; a NAT
// gateway for a stable outbound address; Application Insights with Entra-only ingestion; alerts.
// One parameter file per environment: infra/environments/<environment>.bicepparam. Deploy with scripts/deploy
// <environment> (what-if first); docs/decisions/0009-azure-deployment.md explains the choices.

targetScope = 'resourceGroup'

@description('Lowercase letters and digits only; used to derive every resource name.')
@minLength(3)
@maxLength(10)
param appName string = 'billing'

@allowed([
  'trial'
  'prod'
])
param environmentName string

param location string = resourceGroup().location

// ---------- Network ----------

@description('VNet address space (a /22 or larger): app integration, private endpoints and the migration job subnets.')
param vnetAddressPrefix string = '10.40.0.0/22'

@description('Trial only: also open PostgreSQL, Key Vault and storage to the internet (still Entra-only). Off by default.')
param trialPublicAccess bool = false

@description('With trialPublicAccess: operator address ranges allowed through the PostgreSQL firewall, e.g. [{start: \'203.0.113.7\', end: \'203.0.113.7\'}].')
param operatorIpRanges array = []

// ---------- PostgreSQL and the connection budget ----------

@allowed([
  '16'
  '17'
])
param postgresVersion string = '17'

@description('Compute SKU; Burstable for a trial, General Purpose in production (the built-in PgBouncer needs it).')
param postgresSkuName string

@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string

@minValue(32)
param postgresStorageSizeGB int = 32

@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 14

param postgresGeoRedundantBackup bool = false
param postgresZoneRedundantHighAvailability bool = false

@description('The SKU\'s default max_connections (Azure docs "Limits": B1ms 50, B2s 429, D2ds_v5 859, D4ds_v5 1718).')
@minValue(25)
@maxValue(5000)
param postgresMaxConnections int

@description('Connections kept free for Azure (15 reserved for replication and monitoring), migrations and operators.')
@minValue(15)
param postgresReservedConnections int = 25

@description('Npgsql Max Pool Size of each app instance ("Maximum Pool Size" in the app\'s connection string).')
@minValue(1)
param poolSizePerInstance int

@description('Route the app through the built-in PgBouncer (port 6432, transaction pooling). General Purpose or Memory Optimized only.')
param pgBouncerEnabled bool = false

@description('PgBouncer server connections for the app\'s user/database pair (pgbouncer.default_pool_size).')
@minValue(1)
param pgBouncerPoolSize int = 50

@description('PgBouncer\'s client connection limit (pgbouncer.max_client_conn, Azure default 5000).')
param pgBouncerMaxClientConnections int = 5000

@description('Object ID of an Entra group of operators who may administer PostgreSQL; empty for none.')
param postgresOperatorsGroupObjectId string = ''

@description('Display name of that group (its PostgreSQL role name).')
param postgresOperatorsGroupName string = ''

// ---------- Function App ----------

@description('Flex Consumption maximum instance count (40 to 1000); part of the connection budget.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 40

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Always-ready instances for the HTTP group: 1 removes the webhook\'s cold start and is billed as a baseline.')
@minValue(0)
param alwaysReadyHttpInstances int

@description('App settings that must differ from the settings catalog\'s defaults in this environment.')
param appSettings object = {}

// ---------- Secrets, operators, alerts ----------

@secure()
@description('X-Vapi-Secret that Vapi sends (32+ characters, not a placeholder). Empty keeps the Key Vault secret as it is.')
param vapiWebhookSecret string = ''

@secure()
@description('Vapi private API key for reconciliation. Empty keeps the Key Vault secret as it is.')
param vapiApiKey string = ''

@description('Whether the SMTP server for invoice e-mail takes a login (Smtp__User in appSettings): then Smtp:Password is the Key Vault secret smtp-password, which must exist before the app starts.')
param smtpLogin bool = false

@secure()
@description('SMTP password (used when smtpLogin). Empty keeps the Key Vault secret as it is.')
param smtpPassword string = ''

@description('Whether card payments through Stripe are on: then Stripe:SecretKey and Stripe:WebhookSecrets:0 are the Key Vault secrets stripe-secret-key and stripe-webhook-secret (both must exist before the app starts), and appSettings sets Stripe__SuccessUrl, Stripe__CancelUrl and Stripe__PayLinkBaseUrl.')
param stripeEnabled bool = false

@secure()
@description('Stripe secret (sk_...) or restricted (rk_...) API key (used when stripeEnabled). Empty keeps the Key Vault secret as it is.')
param stripeSecretKey string = ''

@secure()
@description('Signing secret (whsec_...) of the Stripe webhook endpoint (used when stripeEnabled). Empty keeps the Key Vault secret as it is.')
param stripeWebhookSecret string = ''

@description('Principal that runs scripts/deploy (uploads releases); empty to grant Storage Blob Data Contributor yourself.')
param deployerPrincipalId string = ''

@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

param alertEmails array = []

// ---------- Derived names and checks ----------

var token = toLower(uniqueString(resourceGroup().id, appName, environmentName))
var prefix = '${appName}-${environmentName}'
var functionAppName = 'func-${prefix}-${take(token, 6)}'
var postgresServerName = 'psql-${prefix}-${take(token, 6)}'
var databaseName = 'billing'

// Connection budget (docs/decisions/0009): every instance's full pool must fit, with the reserve left free.
var appConnections = maximumInstanceCount * poolSizePerInstance
var serverConnectionsAvailable = postgresMaxConnections - postgresReservedConnections
var budgetFits = pgBouncerEnabled
  ? appConnections <= pgBouncerMaxClientConnections && pgBouncerPoolSize <= serverConnectionsAvailable
  : appConnections <= serverConnectionsAvailable
var connectionBudget = budgetFits
  ? appConnections
  : fail('Connection budget exceeded: ${maximumInstanceCount} instances x ${poolSizePerInstance} connections = ${appConnections}; the server has ${serverConnectionsAvailable} after the reserve (PgBouncer: ${pgBouncerEnabled}).')
var pgBouncerAllowed = !pgBouncerEnabled || postgresSkuTier != 'Burstable'
  ? true
  : fail('The built-in PgBouncer needs General Purpose or Memory Optimized compute.')

var secretNames = {
  vapiWebhookSecret: 'vapi-webhook-secret'
  vapiApiKey: 'vapi-api-key'
  smtpPassword: 'smtp-password'
  stripeSecretKey: 'stripe-secret-key'
  stripeWebhookSecret: 'stripe-webhook-secret'
}

// ---------- Modules ----------

module network 'modules/network.bicep' = {
  name: 'network'
  params: {
    location: location
    prefix: prefix
    addressPrefix: vnetAddressPrefix
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  params: {
    location: location
    prefix: prefix
    retentionDays: environmentName == 'prod' ? 90 : 30
  }
}

// The migration identity: PostgreSQL's Entra administrator, used only by the migration job (infra/migrate.bicep).
resource migrator 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: 'id-${prefix}-migrator'
  location: location
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  params: {
    location: location
    name: take('st${appName}${token}', 24)
    deploymentContainerName: 'app-package'
    publicNetworkAccess: trialPublicAccess
    endpointSubnetId: network.outputs.endpointSubnetId
    dnsZoneIds: network.outputs.dnsZoneIds
  }
}

module releases 'modules/release-storage.bicep' = {
  name: 'releases'
  params: {
    location: location
    name: take('strel${appName}${token}', 24)
    containerName: 'releases'
    migratorPrincipalId: migrator.properties.principalId
    deployerPrincipalId: deployerPrincipalId
    deployerPrincipalType: deployerPrincipalType
  }
}

module jobStorage 'modules/job-storage.bicep' = {
  name: 'job-storage'
  params: {
    location: location
    name: take('stjob${appName}${token}', 24)
    endpointSubnetId: network.outputs.endpointSubnetId
    privateDnsZoneId: network.outputs.dnsZoneIds.file
    migratorPrincipalId: migrator.properties.principalId
  }
}

module vault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  params: {
    location: location
    name: take('kv-${appName}-${token}', 24)
    publicNetworkAccess: trialPublicAccess
    endpointSubnetId: network.outputs.endpointSubnetId
    privateDnsZoneId: network.outputs.dnsZoneIds.vault
    secretValues: {
      '${secretNames.vapiWebhookSecret}': vapiWebhookSecret
      '${secretNames.vapiApiKey}': vapiApiKey
      '${secretNames.smtpPassword}': smtpPassword
      '${secretNames.stripeSecretKey}': stripeSecretKey
      '${secretNames.stripeWebhookSecret}': stripeWebhookSecret
    }
  }
}

module postgres 'modules/postgres.bicep' = {
  name: 'postgres'
  params: {
    location: location
    name: postgresServerName
    databaseName: databaseName
    version: postgresVersion
    skuName: postgresSkuName
    skuTier: postgresSkuTier
    storageSizeGB: postgresStorageSizeGB
    backupRetentionDays: postgresBackupRetentionDays
    geoRedundantBackup: postgresGeoRedundantBackup
    zoneRedundantHighAvailability: postgresZoneRedundantHighAvailability
    pgBouncerEnabled: pgBouncerEnabled && pgBouncerAllowed
    pgBouncerPoolSize: pgBouncerPoolSize
    publicNetworkAccess: trialPublicAccess
    allowedIpRanges: operatorIpRanges
    endpointSubnetId: network.outputs.endpointSubnetId
    privateDnsZoneId: network.outputs.dnsZoneIds.postgres
    migratorObjectId: migrator.properties.principalId
    migratorName: migrator.name
    operatorsGroupObjectId: postgresOperatorsGroupObjectId
    operatorsGroupName: postgresOperatorsGroupName
  }
}

// Username = the PostgreSQL role of the app's system identity, which is named after the app (infra/migrate.sh).
var databaseConnectionString = join(
  [
    'Host=${postgres.outputs.host}'
    'Port=${pgBouncerEnabled ? 6432 : 5432}'
    'Database=${databaseName}'
    'Username=${functionAppName}'
    'SSL Mode=VerifyFull'
    'Maximum Pool Size=${poolSizePerInstance}'
  ],
  ';'
)

module app 'modules/function-app.bicep' = {
  name: 'function-app'
  params: {
    location: location
    prefix: prefix
    name: functionAppName
    subnetId: network.outputs.appSubnetId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    vaultName: vault.outputs.name
    appInsightsName: monitoring.outputs.appInsightsName
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    alwaysReadyHttpInstances: alwaysReadyHttpInstances
    databaseConnectionString: databaseConnectionString
    settings: union(
      {
        // Versionless Key Vault references (rotation is picked up); resolved with the system identity through
        // the vault's private endpoint.
        Vapi__Webhook__Secrets__0: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=${secretNames.vapiWebhookSecret})'
        Vapi__ApiKey: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=${secretNames.vapiApiKey})'
        // NCRONTAB in UTC (Linux plans ignore WEBSITE_TIME_ZONE); a %setting% binding has no default, so it is set.
        BillingCycleSchedule: '0 5 * * * *'
        // Every minute: invoice e-mails leave within a minute of issue (the outbox, docs/decisions).
        OutboxSchedule: '0 * * * * *'
      },
      // Only with a login: an unresolved reference would stop start-up (Billing.Functions refuses it by name).
      smtpLogin ? { Smtp__Password: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=${secretNames.smtpPassword})' } : {},
      // Only with card payments on: Stripe stays off (pay links 404) while Stripe__SecretKey is unset.
      stripeEnabled
        ? {
            Stripe__SecretKey: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=${secretNames.stripeSecretKey})'
            Stripe__WebhookSecrets__0: '@Microsoft.KeyVault(VaultName=${vault.outputs.name};SecretName=${secretNames.stripeWebhookSecret})'
          }
        : {},
      appSettings
    )
  }
}

module alerts 'modules/alerts.bicep' = {
  name: 'alerts'
  params: {
    location: location
    prefix: prefix
    workspaceId: monitoring.outputs.workspaceId
    postgresServerName: postgres.outputs.name
    alertEmails: alertEmails
    connectionAlertThreshold: (pgBouncerEnabled ? pgBouncerPoolSize : serverConnectionsAvailable) * 8 / 10
  }
}

output functionAppName string = app.outputs.name
output functionAppUrl string = 'https://${app.outputs.defaultHostName}'
output functionAppPrincipalId string = app.outputs.principalId
output postgresServerName string = postgres.outputs.name
output postgresHost string = postgres.outputs.host
output databaseName string = databaseName
output keyVaultName string = vault.outputs.name
output keyVaultSecretNames object = secretNames
output releaseContainerUrl string = releases.outputs.containerUrl
output migratorIdentityId string = migrator.id
output migratorName string = migrator.name
output jobsSubnetId string = network.outputs.jobsSubnetId
output jobStorageName string = jobStorage.outputs.name
output outboundIpAddress string = network.outputs.outboundIpAddress
output appConnectionsAtFullScale int = connectionBudget
