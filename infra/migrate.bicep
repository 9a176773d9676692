// The migration job of one release, deployed by scripts/deploy after main.bicep and before the new code: a
// deployment script (Azure CLI container) inside the VNet's jobs subnet, signed in as the migration identity, runs
// infra/migrate.sh: the release's EF Core migration bundle, then the app's database role (infra/sql/app-role.sql).
// A new releaseId makes it run again; a failure fails the deployment, and scripts/deploy stops before the zip deploy.

param location string = resourceGroup().location

@description('Identifies the release (scripts/deploy uses the commit and a timestamp); a new value reruns the job.')
param releaseId string

@description('URL of this release\'s migration bundle in the release container.')
param bundleUrl string

param migratorIdentityId string
param migratorName string
param jobsSubnetId string
param jobStorageName string
param postgresHost string
param databaseName string

@description('The Function App\'s name, which is its PostgreSQL role name.')
param appRoleName string

@description('The Function App\'s system identity (principal ID).')
param appPrincipalId string

resource migration 'Microsoft.Resources/deploymentScripts@2023-08-01' = {
  name: 'migrate-${uniqueString(releaseId)}'
  location: location
  kind: 'AzureCLI'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${migratorIdentityId}': {}
    }
  }
  properties: {
    azCliVersion: '2.67.0'
    forceUpdateTag: releaseId
    retentionInterval: 'P1D'
    cleanupPreference: 'OnSuccess'
    timeout: 'PT30M'
    storageAccountSettings: {
      storageAccountName: jobStorageName
    }
    containerSettings: {
      subnetIds: [
        {
          id: jobsSubnetId
        }
      ]
    }
    environmentVariables: [
      {
        name: 'BUNDLE_URL'
        value: bundleUrl
      }
      {
        name: 'PGHOST'
        value: postgresHost
      }
      {
        name: 'PGDATABASE'
        value: databaseName
      }
      {
        name: 'MIGRATOR_NAME'
        value: migratorName
      }
      {
        name: 'APP_ROLE'
        value: appRoleName
      }
      {
        name: 'APP_OBJECT_ID'
        value: appPrincipalId
      }
      {
        name: 'APP_ROLE_SQL'
        value: loadTextContent('sql/app-role.sql')
      }
    ]
    scriptContent: loadTextContent('migrate.sh')
  }
}

output status string = migration.properties.provisioningState
