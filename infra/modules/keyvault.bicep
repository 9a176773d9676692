// Key Vault (RBAC, purge protection) for the app's secrets, reached through a private endpoint. Secrets are
// created through Azure Resource Manager (the control plane, which the vault's firewall does not block) only when
// scripts/deploy is given a value; an empty value leaves an existing secret as it is.

param location string
param name string
param publicNetworkAccess bool
param endpointSubnetId string
param privateDnsZoneId string

@secure()
@description('Secret values by Key Vault secret name; empty values are skipped (the secret keeps its current value).')
param secretValues object

resource vault 'Microsoft.KeyVault/vaults@2024-11-01' = {
  name: name
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
    publicNetworkAccess: publicNetworkAccess ? 'Enabled' : 'Disabled'
    networkAcls: {
      defaultAction: publicNetworkAccess ? 'Allow' : 'Deny'
      bypass: 'AzureServices'
    }
  }
}

resource secrets 'Microsoft.KeyVault/vaults/secrets@2024-11-01' = [
  for secret in items(secretValues): if (!empty(secret.value)) {
    parent: vault
    name: secret.key
    properties: {
      value: secret.value
      contentType: 'text/plain'
    }
  }
]

module endpoint 'private-endpoint.bicep' = {
  name: 'pe-${name}'
  params: {
    location: location
    name: 'pe-${name}'
    subnetId: endpointSubnetId
    serviceId: vault.id
    groupId: 'vault'
    privateDnsZoneId: privateDnsZoneId
  }
}

output name string = vault.name
output id string = vault.id
output uri string = vault.properties.vaultUri
