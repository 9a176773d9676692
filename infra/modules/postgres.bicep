// PostgreSQL Flexible Server with Microsoft Entra authentication only (no password login exists), reached through
// a private endpoint. Its Entra administrators are the migration identity (runs migrations and manages the app's
// role) and, optionally, an operators' group; never the app itself, whose role gets only DML (infra/sql/app-role.sql).

param location string
param name string
param databaseName string

@allowed([
  '16'
  '17'
])
param version string

param skuName string

@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param skuTier string

@minValue(32)
param storageSizeGB int

@minValue(7)
@maxValue(35)
param backupRetentionDays int

param geoRedundantBackup bool
param zoneRedundantHighAvailability bool

@description('Built-in PgBouncer on port 6432 (General Purpose and Memory Optimized only).')
param pgBouncerEnabled bool

@description('PgBouncer server connections per user/database pair; the app uses one pair.')
param pgBouncerPoolSize int

param publicNetworkAccess bool

@description('Trial only, with public access on: operator addresses allowed through the firewall, as start-end pairs.')
param allowedIpRanges array

param endpointSubnetId string
param privateDnsZoneId string

@description('Object ID (principal ID) of the migration identity, the first Entra administrator.')
param migratorObjectId string
param migratorName string

@description('Object ID of an Entra group of operators who may administer the server; empty for none.')
param operatorsGroupObjectId string
param operatorsGroupName string

resource server 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' = {
  name: name
  location: location
  sku: {
    name: skuName
    tier: skuTier
  }
  properties: {
    version: version
    authConfig: {
      activeDirectoryAuth: 'Enabled'
      passwordAuth: 'Disabled' // no administratorLogin/password at all
      tenantId: tenant().tenantId
    }
    storage: {
      storageSizeGB: storageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: backupRetentionDays
      geoRedundantBackup: geoRedundantBackup ? 'Enabled' : 'Disabled'
    }
    highAvailability: {
      mode: zoneRedundantHighAvailability ? 'ZoneRedundant' : 'Disabled'
    }
    network: {
      publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    }
  }
}

// Operations on one server's children run one at a time ("server busy" otherwise): each waits for the previous.
resource migratorAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2025-08-01' = {
  parent: server
  name: migratorObjectId
  properties: {
    principalName: migratorName
    principalType: 'ServicePrincipal'
    tenantId: tenant().tenantId
  }
}

resource operatorsAdmin 'Microsoft.DBforPostgreSQL/flexibleServers/administrators@2025-08-01' = if (!empty(operatorsGroupObjectId)) {
  parent: server
  name: empty(operatorsGroupObjectId) ? 'none' : operatorsGroupObjectId
  properties: {
    principalName: operatorsGroupName
    principalType: 'Group'
    tenantId: tenant().tenantId
  }
  dependsOn: [
    migratorAdmin
  ]
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2025-08-01' = {
  parent: server
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
  dependsOn: [
    operatorsAdmin
  ]
}

// Transaction pooling keeps advisory xact locks and temp tables (both transaction-scoped in this app) correct;
// protocol-level prepared statements need max_prepared_statements > 0, since the app auto-prepares its statements.
var pgBouncerSettings = pgBouncerEnabled
  ? [
      {
        name: 'pgbouncer.enabled'
        value: 'true'
      }
      {
        name: 'pgbouncer.pool_mode'
        value: 'transaction'
      }
      {
        name: 'pgbouncer.default_pool_size'
        value: string(pgBouncerPoolSize)
      }
      {
        name: 'pgbouncer.max_prepared_statements'
        value: '200'
      }
    ]
  : []

@batchSize(1)
resource settings 'Microsoft.DBforPostgreSQL/flexibleServers/configurations@2025-08-01' = [
  for setting in pgBouncerSettings: {
    parent: server
    name: setting.name
    properties: {
      value: setting.value
      source: 'user-override'
    }
    dependsOn: [
      database
    ]
  }
]

@batchSize(1)
resource firewall 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2025-08-01' = [
  for (range, i) in (publicNetworkAccess ? allowedIpRanges : []): {
    parent: server
    name: 'operator-${i}'
    properties: {
      startIpAddress: range.start
      endIpAddress: range.end
    }
    dependsOn: [
      settings
    ]
  }
]

module endpoint 'private-endpoint.bicep' = {
  name: 'pe-${name}'
  params: {
    location: location
    name: 'pe-${name}'
    subnetId: endpointSubnetId
    serviceId: server.id
    groupId: 'postgresqlServer'
    privateDnsZoneId: privateDnsZoneId
  }
  dependsOn: [
    firewall
  ]
}

output name string = server.name
output id string = server.id
output host string = server.properties.fullyQualifiedDomainName
output databaseName string = database.name
