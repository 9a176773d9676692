// Scratch storage for the migration job: the deployment script service mounts a file share of this account into
// the container group it starts in the VNet. Only the file service is used, through a private endpoint, with public
// network access off. Shared keys stay at their default here (the one account that keeps them): the service mounts
// the share with the account key; the account holds only the script's working files, never data or secrets.

param location string
param name string
param endpointSubnetId string
param privateDnsZoneId string

@description('Principal ID of the migration identity (Storage File Data Privileged Contributor on this account).')
param migratorPrincipalId string

var storageFileDataPrivilegedContributor = '69566ab7-960f-475b-8e7c-b3118f30c6bd'

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    publicNetworkAccess: 'Disabled'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
    }
  }
}

resource migratorFiles 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, migratorPrincipalId, storageFileDataPrivilegedContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageFileDataPrivilegedContributor)
    principalId: migratorPrincipalId
    principalType: 'ServicePrincipal'
  }
}

module endpoint 'private-endpoint.bicep' = {
  name: 'pe-${name}-file'
  params: {
    location: location
    name: 'pe-${name}-file'
    subnetId: endpointSubnetId
    serviceId: storage.id
    groupId: 'file'
    privateDnsZoneId: privateDnsZoneId
  }
}

output name string = storage.name
