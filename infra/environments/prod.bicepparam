// Production: General Purpose compute behind the built-in PgBouncer (transaction pooling), zone-redundant HA,
// geo-redundant backups, one always-ready HTTP instance so Vapi's webhook never waits for a cold start.
// Connection budget: 100 instances x 20 = 2,000 client connections <= PgBouncer's 5,000; PgBouncer keeps at most
// 200 server connections, within D2ds_v5's 859 minus the 25 kept in reserve.
using '../main.bicep'

param environmentName = 'prod'
param postgresSkuName = 'Standard_D2ds_v5'
param postgresSkuTier = 'GeneralPurpose'
param postgresStorageSizeGB = 64
param postgresMaxConnections = 859
param postgresBackupRetentionDays = 35
param postgresGeoRedundantBackup = true
param postgresZoneRedundantHighAvailability = true
param pgBouncerEnabled = true
param pgBouncerPoolSize = 200
param poolSizePerInstance = 20
param maximumInstanceCount = 100
param alwaysReadyHttpInstances = 1
param instanceMemoryMB = 2048
