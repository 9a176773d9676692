// The private network: one VNet with a subnet for the Function App's outbound traffic (Flex Consumption VNet
// integration), one for private endpoints and one for the migration job; a NAT gateway gives every outbound call
// (Vapi, ANAF, Stripe, SMTP) one stable public address that partners can allow-list; a private DNS zone per
// private-link service so the usual host names resolve to the private endpoints from inside the VNet.

param location string
param prefix string

@description('Address space of the VNet; the three subnets are carved from its first /22.')
param addressPrefix string

var appSubnetPrefix = cidrSubnet(addressPrefix, 24, 0)
var endpointSubnetPrefix = cidrSubnet(addressPrefix, 24, 1)
var jobsSubnetPrefix = cidrSubnet(addressPrefix, 27, 16)

// privatelink zones for the services the app reaches privately (PostgreSQL, Key Vault, blob/queue/table for the
// host, file for the migration job's scratch share). environment() keeps them right outside the public cloud.
var storageSuffix = environment().suffixes.storage
var dnsZoneNames = {
  postgres: 'privatelink.postgres.database.azure.com'
  vault: 'privatelink.vaultcore.azure.net'
  blob: 'privatelink.blob.${storageSuffix}'
  queue: 'privatelink.queue.${storageSuffix}'
  table: 'privatelink.table.${storageSuffix}'
  file: 'privatelink.file.${storageSuffix}'
}

resource outboundIp 'Microsoft.Network/publicIPAddresses@2024-05-01' = {
  name: 'pip-${prefix}-outbound'
  location: location
  sku: {
    name: 'Standard'
  }
  properties: {
    publicIPAllocationMethod: 'Static'
    publicIPAddressVersion: 'IPv4'
  }
}

resource natGateway 'Microsoft.Network/natGateways@2024-05-01' = {
  name: 'ng-${prefix}'
  location: location
  sku: {
    name: 'Standard'
  }
  properties: {
    idleTimeoutInMinutes: 4
    publicIpAddresses: [
      {
        id: outboundIp.id
      }
    ]
  }
}

resource vnet 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-${prefix}'
  location: location
  properties: {
    addressSpace: {
      addressPrefixes: [
        addressPrefix
      ]
    }
    subnets: [
      {
        // Flex Consumption integrates through a subnet delegated to Microsoft.App/environments (not serverFarms).
        name: 'snet-app'
        properties: {
          addressPrefix: appSubnetPrefix
          natGateway: {
            id: natGateway.id
          }
          delegations: [
            {
              name: 'flex-consumption'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
        }
      }
      {
        name: 'snet-endpoints'
        properties: {
          addressPrefix: endpointSubnetPrefix
          privateEndpointNetworkPolicies: 'Disabled'
        }
      }
      {
        // The deployment script that migrates the database runs as a container group in this subnet.
        name: 'snet-jobs'
        properties: {
          addressPrefix: jobsSubnetPrefix
          natGateway: {
            id: natGateway.id
          }
          delegations: [
            {
              name: 'container-instances'
              properties: {
                serviceName: 'Microsoft.ContainerInstance/containerGroups'
              }
            }
          ]
        }
      }
    ]
  }

  resource appSubnet 'subnets' existing = {
    name: 'snet-app'
  }

  resource endpointSubnet 'subnets' existing = {
    name: 'snet-endpoints'
  }

  resource jobsSubnet 'subnets' existing = {
    name: 'snet-jobs'
  }
}

resource zones 'Microsoft.Network/privateDnsZones@2024-06-01' = [
  for zone in items(dnsZoneNames): {
    name: zone.value
    location: 'global'
  }
]

resource zoneLinks 'Microsoft.Network/privateDnsZones/virtualNetworkLinks@2024-06-01' = [
  for (zone, i) in items(dnsZoneNames): {
    parent: zones[i]
    name: 'link-${vnet.name}'
    location: 'global'
    properties: {
      registrationEnabled: false
      virtualNetwork: {
        id: vnet.id
      }
    }
  }
]

output appSubnetId string = vnet::appSubnet.id
output endpointSubnetId string = vnet::endpointSubnet.id
output jobsSubnetId string = vnet::jobsSubnet.id
output outboundIpAddress string = outboundIp.properties.ipAddress
@description('Private DNS zone IDs by service key (postgres, vault, blob, queue, table, file).')
output dnsZoneIds object = toObject(items(dnsZoneNames), z => z.key, z => resourceId('Microsoft.Network/privateDnsZones', z.value))
