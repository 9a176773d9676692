// Trial: the smallest environment that still has the production shape (private endpoints, NAT, Entra only).
// Burstable compute has no built-in PgBouncer, so each instance's pool connects directly: 40 instances x 10 = 400
// connections, within B2s's 429 minus the 25 kept in reserve. (B1ms, 50 connections, cannot fit Flex's minimum
// of 40 instances even at one connection each.)
using '../main.bicep'

param environmentName = 'trial'
param postgresSkuName = 'Standard_B2s'
param postgresSkuTier = 'Burstable'
param postgresMaxConnections = 429
param poolSizePerInstance = 10
param maximumInstanceCount = 40
param alwaysReadyHttpInstances = 0
param trialPublicAccess = false
param postgresBackupRetentionDays = 7
param appSettings = {
  // Run the cycle on a trial every 15 minutes: feedback sooner, the same idempotent work.
  BillingCycleSchedule: '0 */15 * * * *'
}
