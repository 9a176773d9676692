// The Functions host's storage (timer schedule status, singleton leases, keys) and the Flex deployment container.
// Identity only: shared keys are off, so nothing in any setting can leak an account key. Reached through private
// endpoints; public network access only when the environment asks for it (a trial without the VNet in the path).

param location string
param name string
param deploymentContainerName string
param publicNetworkAccess bool
param endpointSubnetId string

@description('Private DNS zone IDs by service key (blob, queue, table), from the network module.')
param dnsZoneIds object

resource storage 'Microsoft.Storage/storageAccounts@2025-01-01' = {
  name: name
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
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: {
      defaultAction: publicNetworkAccess ? 'Allow' : 'Deny'
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

// The host uses blobs (leases, timer status), queues and tables; each needs its own endpoint.
module endpoints 'private-endpoint.bicep' = [
  for service in [
    'blob'
    'queue'
    'table'
  ]: {
    name: 'pe-${name}-${service}'
    params: {
      location: location
      name: 'pe-${name}-${service}'
      subnetId: endpointSubnetId
      serviceId: storage.id
      groupId: service
      privateDnsZoneId: dnsZoneIds[service]
    }
  }
]

output name string = storage.name
output id string = storage.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainer.name}'
