// What pages an operator: failing functions, a 5xx rate, a failed billing run, dead outbox messages, and the
// database running out of CPU, storage or connections. Metric names come from Billing.Domain/Telemetry/BillingMetrics.cs.

param location string
param prefix string
param workspaceId string
param postgresServerName string

@description('E-mail addresses that receive alerts; none means the alerts fire without notifying anyone.')
param alertEmails array

@description('Connections at which the connection alert fires (80% of the server\'s user connections, by default).')
param connectionAlertThreshold int

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2025-08-01' existing = {
  name: postgresServerName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: 'ag-${prefix}'
  location: 'global'
  properties: {
    groupShortName: take('billing${uniqueString(prefix)}', 12)
    enabled: true
    emailReceivers: [
      for (email, i) in alertEmails: {
        name: 'email-${i}'
        emailAddress: email
        useCommonAlertSchema: true
      }
    ]
  }
}

var actions = {
  actionGroups: [
    actionGroup.id
  ]
}

// ---------- Metric alerts ----------

var metricAlerts = [
  {
    name: 'postgres-cpu'
    description: 'PostgreSQL CPU above 80% for 15 minutes.'
    scope: postgres.id
    namespace: 'Microsoft.DBforPostgreSQL/flexibleServers'
    metric: 'cpu_percent'
    aggregation: 'Average'
    operator: 'GreaterThan'
    threshold: 80
    severity: 2
    window: 'PT15M'
  }
  {
    name: 'postgres-storage'
    description: 'PostgreSQL storage above 80% (auto-grow is on, but growth is billed and never shrinks).'
    scope: postgres.id
    namespace: 'Microsoft.DBforPostgreSQL/flexibleServers'
    metric: 'storage_percent'
    aggregation: 'Maximum'
    operator: 'GreaterThan'
    threshold: 80
    severity: 2
    window: 'PT1H'
  }
  {
    name: 'postgres-connections'
    description: 'PostgreSQL active connections near the connection budget.'
    scope: postgres.id
    namespace: 'Microsoft.DBforPostgreSQL/flexibleServers'
    metric: 'active_connections'
    aggregation: 'Maximum'
    operator: 'GreaterThan'
    threshold: connectionAlertThreshold
    severity: 1
    window: 'PT5M'
  }
]

resource metricRules 'Microsoft.Insights/metricAlerts@2018-03-01' = [
  for alert in metricAlerts: {
    name: 'alert-${prefix}-${alert.name}'
    location: 'global'
    properties: {
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        alert.scope
      ]
      evaluationFrequency: 'PT5M'
      windowSize: alert.window
      criteria: {
        'odata.type': 'Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria'
        allOf: [
          {
            criterionType: 'StaticThresholdCriterion'
            name: alert.name
            metricNamespace: alert.namespace
            metricName: alert.metric
            timeAggregation: alert.aggregation
            operator: alert.operator
            threshold: alert.threshold
          }
        ]
      }
      actions: [
        {
          actionGroupId: actionGroup.id
        }
      ]
    }
  }
]

// ---------- Log alerts (workspace-based Application Insights tables) ----------

// With host.json telemetryMode OpenTelemetry the host exports traces and logs, not its standard metrics, so
// invocation failures are counted from the requests table.
var logAlerts = [
  {
    name: 'function-failures'
    description: 'More than 5 function invocations failed in 15 minutes (any trigger).'
    severity: 2
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'AppRequests | where Success == false | summarize failed = count() | where failed > 5'
  }
  {
    name: 'http-5xx-rate'
    description: 'More than 5% of HTTP requests answered 5xx in 15 minutes (503s included: the database or Vapi is failing).'
    severity: 1
    frequency: 'PT5M'
    window: 'PT15M'
    query: 'AppRequests | where Url has "/api/" | summarize total = count(), failed = countif(toint(ResultCode) >= 500) | where total >= 20 and failed * 100.0 / total > 5'
  }
  {
    name: 'billing-run-failed'
    description: 'A billing run failed (billing.runs.failed): invoices may be missing until the next successful run.'
    severity: 1
    frequency: 'PT15M'
    window: 'PT1H'
    query: 'AppMetrics | where Name == "billing.runs.failed" | summarize failed = sum(Sum) | where failed > 0'
  }
  {
    name: 'outbox-dead-messages'
    description: 'Outbox messages were dead-lettered (billing.outbox.dead): an invoice e-mail or another message will not be sent without an operator.'
    severity: 2
    frequency: 'PT15M'
    window: 'PT1H'
    query: 'AppMetrics | where Name == "billing.outbox.dead" | summarize dead = max(Max) | where dead > 0'
  }
]

resource logRules 'Microsoft.Insights/scheduledQueryRules@2023-12-01' = [
  for alert in logAlerts: {
    name: 'alert-${prefix}-${alert.name}'
    location: location
    properties: {
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [
        workspaceId
      ]
      evaluationFrequency: alert.frequency
      windowSize: alert.window
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      actions: actions
    }
  }
]
