// The relay's app settings, named exactly as the code binds them (Section__Key), plus the host's own.
// Secrets never pass through a parameter file or an output: the claim hash key arrives as a @secure()
// parameter and the Notification Hubs connection string is read here with listKeys(); both are written to
// Key Vault and the app settings hold only Key Vault references, resolved with the app's identity.
param functionAppName string
param identityClientId string
param storageAccountName string
param keyVaultName string
param applicationInsightsName string
param notificationHubsNamespaceName string
param notificationHubName string
param notificationHubSendRuleName string

@secure()
param claimHashKey string

param mailboxTable string
param expiryTable string
param maxTimeToLiveSeconds int = 604800
param defaultTimeToLiveSeconds int = 172800
param maxPayloadBytes int = 131072
param maxDisplayInformationBytes int = 8192
param storageNetworkTimeout string = '00:00:03'
param storageMaxRetries int = 2
@description('NCRONTAB schedule of the expired-mailbox purge.')
param purgeSchedule string = '0 */5 * * * *'
param purgeBatchSize int = 500

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource sendRule 'Microsoft.NotificationHubs/namespaces/notificationHubs/authorizationRules@2023-09-01' existing = {
  name: '${notificationHubsNamespaceName}/${notificationHubName}/${notificationHubSendRuleName}'
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName
}

resource claimHashKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'relay-claim-hash-key'
  properties: {
    value: claimHashKey
    contentType: 'base64'
  }
}

resource notificationHubsSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'notification-hubs-connection-string'
  properties: {
    value: sendRule.listKeys().primaryConnectionString
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: {
    // Host: identity-based AzureWebJobsStorage (no connection string) and Entra-authenticated telemetry.
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // DefaultAzureCredential picks the user-assigned identity by this client id.
    AZURE_CLIENT_ID: identityClientId

    // The relay (RelayOptions, StorageOptions, the purge timer, the push notifier).
    Relay__PublicBaseUrl: 'https://${site.properties.defaultHostName}'
    Relay__ClaimHashKey: '@Microsoft.KeyVault(SecretUri=${claimHashKeySecret.properties.secretUri})'
    Relay__MaxTimeToLiveSeconds: string(maxTimeToLiveSeconds)
    Relay__DefaultTimeToLiveSeconds: string(defaultTimeToLiveSeconds)
    Relay__MaxPayloadBytes: string(maxPayloadBytes)
    Relay__MaxDisplayInformationBytes: string(maxDisplayInformationBytes)
    Storage__TableEndpoint: storage.properties.primaryEndpoints.table
    Storage__MailboxTable: mailboxTable
    Storage__ExpiryTable: expiryTable
    Storage__NetworkTimeout: storageNetworkTimeout
    Storage__MaxRetries: string(storageMaxRetries)
    PurgeSchedule: purgeSchedule
    Purge__BatchSize: string(purgeBatchSize)
    NotificationHubs__ConnectionString: '@Microsoft.KeyVault(SecretUri=${notificationHubsSecret.properties.secretUri})'
    NotificationHubs__HubName: notificationHubName
  }
}
