// Logs and telemetry: a Log Analytics workspace and a workspace-based Application Insights that accepts only
// Entra-authenticated ingestion (the app's identity holds Monitoring Metrics Publisher on it).

param location string
param prefix string

@minValue(30)
param retentionDays int

resource workspace 'Microsoft.OperationalInsights/workspaces@2025-02-01' = {
  name: 'log-${prefix}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${prefix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true // ingestion only with Entra (APPLICATIONINSIGHTS_AUTHENTICATION_STRING=Authorization=AAD)
  }
}

output appInsightsName string = appInsights.name
output appInsightsId string = appInsights.id
output workspaceId string = workspace.id
