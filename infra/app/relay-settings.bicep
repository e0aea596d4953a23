// The relay's app settings, named exactly as the code binds them (Section__Key), plus the host's own.
// Secrets never pass through a parameter file or an output: the claim-hash and token-encryption keys arrive as
// @secure() parameters and the Notification Hubs connection string is read here with listKeys(); all are written to
// Key Vault and the app settings hold only Key Vault references, resolved with the app's identity.
// An empty key parameter keeps the secret already in the vault (with azd, infra/hooks/preprovision.sh checked that it
// is there): the references name the secret without a version, so they resolve to whatever the vault holds. The
// deployment reads that secret (its metadata, never its value), so it fails (ResourceNotFound) when the vault has none,
// rather than leave the relay a reference it cannot resolve at start-up.
param functionAppName string
param identityClientId string
param storageAccountName string
param keyVaultName string
param applicationInsightsName string
param notificationHubsNamespaceName string
param notificationHubName string
param notificationHubSendRuleName string
@description('NotificationHubs__Platforms: the platforms the hub holds credentials for (apns, fcm, apns,fcm), or none.')
@allowed([
  'none'
  'apns'
  'fcm'
  'apns,fcm'
])
param notificationHubsPlatforms string

@description('New value of the relay-claim-hash-key secret; empty keeps the one in the vault.')
@secure()
param claimHashKey string

@description('New value of the relay-token-encryption-key secret (base64 of 32 bytes, AES-256-GCM); empty keeps the one in the vault.')
@secure()
param tokenEncryptionKey string

@description('Base URL share links are built from (https://host, no trailing slash).')
param publicBaseUrl string

@description('X-Forwarded-For entries, counted from the right, that the relay trusts: 1 behind the App Service front end alone, 2 with Azure Front Door before it.')
@minValue(1)
@maxValue(2)
param trustedForwardedHops int

@description('Privacy Pass issuer (RFC 9577 server name); empty with the modes off.')
param privacyPassIssuerName string = ''
@description('Privacy Pass issuer public keys: SPKI, base64, separated by commas (rotation). Public, so an app setting.')
param privacyPassIssuerPublicKeys string = ''
@allowed([
  'off'
  'optional'
  'required'
])
param privacyPassCreateMailbox string = 'off'
@allowed([
  'off'
  'optional'
  'required'
])
param privacyPassReadSecureContent string = 'off'

param mailboxTable string
@description('Partitions the mailbox table is split into. Fixed for the life of the data: changing it strands existing mailboxes.')
@minValue(1)
@maxValue(256)
param storageShards int = 64
param maxTimeToLiveSeconds int = 604800
param defaultTimeToLiveSeconds int = 172800
param maxPayloadBytes int = 131072
param maxDisplayInformationBytes int = 8192
param storageNetworkTimeout string = '00:00:03'
param storageMaxRetries int = 2
@description('NCRONTAB schedule of the expired-mailbox purge.')
param purgeSchedule string = '0 */1 * * * *'
@description('Longest a purge run works before leaving the rest to the next run (TimeSpan, c). Keep it under the schedule\'s interval.')
param purgeTimeBudget string = '00:00:40'
@description('How long a purged mailbox\'s tombstone keeps its identifier refused (TimeSpan, c).')
param purgeTombstoneRetention string = '365.00:00:00'
@description('Pushes one mailbox may cause over its whole life, both parties together.')
@minValue(0)
@maxValue(10000)
param pushMaxPerMailbox int = 20
@description('Least time between two pushes to the same party of a mailbox, in seconds.')
@minValue(0)
@maxValue(3600)
param pushMinIntervalSeconds int = 2
@description('NCRONTAB schedule of the retry of pending pushes (the outbox). With the 30 s cap, a push arrives within a minute of the hub\'s recovery.')
param pushRetrySchedule string = '*/10 * * * * *'
@description('Longest wait between two attempts of a pending push, in seconds (a longer Retry-After from the hub is honoured).')
@minValue(1)
@maxValue(3600)
param pushRetryDelayCapSeconds int = 30

@description('Requests one instance serves at once; more get 429 at once.')
@minValue(1)
@maxValue(100000)
param rateLimitMaxConcurrentRequests int = 128
@description('Requests one client (address, IPv6 /64) may have in progress at once; more get 429 at once. IPv6 /56s and /48s get a multiple of it.')
@minValue(1)
@maxValue(100000)
param rateLimitMaxConcurrentRequestsPerClient int = 32
@description('Each IPv6 /56 has this many times one client\'s budget of every per-client limit, on top of each /64\'s own (docs/security.md, "IPv6 networks").')
@minValue(1)
@maxValue(256)
param rateLimitIPv6Prefix56Multiple int = 4
@description('Each IPv6 /48 has this many times one client\'s budget of every per-client limit; at least rateLimitIPv6Prefix56Multiple.')
@minValue(1)
@maxValue(65536)
param rateLimitIPv6Prefix48Multiple int = 16
@description('Longest a request body may take to arrive whole before a 408 (TimeSpan, c; 1 s to 1 min). The Functions host buffers bodies itself, so in Azure this only bounds what the worker reads from it.')
param rateLimitBodyTimeout string = '00:00:20'
@description('Per-client token buckets (PermitLimit, TokensPerPeriod, ReplenishmentSeconds) for CreateMailbox, the writes and the reads; defaults as in RateLimitingOptions.')
param rateLimitBuckets object = {
  Create: {
    PermitLimit: 60
    TokensPerPeriod: 1
    ReplenishmentSeconds: 1
  }
  CreateWithToken: {
    PermitLimit: 600
    TokensPerPeriod: 10
    ReplenishmentSeconds: 1
  }
  Write: {
    PermitLimit: 120
    TokensPerPeriod: 2
    ReplenishmentSeconds: 1
  }
  Read: {
    PermitLimit: 300
    TokensPerPeriod: 5
    ReplenishmentSeconds: 1
  }
}

@description('Privacy Pass challenge window in seconds: a token\'s nonce is remembered for its window, one table per window.')
@minValue(60)
@maxValue(86400)
param privacyPassChallengeWindowSeconds int = 3600
@description('Prefix of the per-window spent-nonce tables the relay creates and deletes at run time (letters and digits).')
param privacyPassNonceTablePrefix string = 'privacypassnonces'

@description('AppLinks__* (docs/apps.md): the wallet app(s) that open share links; all empty by default.')
param appLinksAppleAppIds string = ''
param appLinksAndroidPackageName string = ''
param appLinksAndroidCertificateFingerprints string = ''
param appLinksAppName string = ''
param appLinksAppStoreUrl string = ''
param appLinksPlayStoreUrl string = ''

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

var claimHashKeySecretName = 'relay-claim-hash-key'
var tokenEncryptionKeySecretName = 'relay-token-encryption-key'

// RelayOptions.MaxRequestBodyBytes (base64 payload + display information + 8 KiB of JSON), computed the same way.
var relayMaxRequestBodyBytes = ((maxPayloadBytes + 2) / 3 * 4) + maxDisplayInformationBytes + 8 * 1024

resource claimHashKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(claimHashKey)) {
  parent: vault
  name: claimHashKeySecretName
  properties: {
    value: claimHashKey
    contentType: 'base64'
  }
}

resource tokenEncryptionKeySecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(tokenEncryptionKey)) {
  parent: vault
  name: tokenEncryptionKeySecretName
  properties: {
    value: tokenEncryptionKey
    contentType: 'base64'
  }
}

// The keys already in the vault, read only when no new value is given (docs/deploy.md, "Deploy without azd").
resource keptClaimHashKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = if (empty(claimHashKey)) {
  parent: vault
  name: claimHashKeySecretName
}

resource keptTokenEncryptionKey 'Microsoft.KeyVault/vaults/secrets@2023-07-01' existing = if (empty(tokenEncryptionKey)) {
  parent: vault
  name: tokenEncryptionKeySecretName
}

// Versionless secret URIs (secretUri, not secretUriWithVersion): a rotated key is picked up on the next restart.
var claimHashKeySecretUri = empty(claimHashKey)
  ? keptClaimHashKey!.properties.secretUri
  : claimHashKeySecret!.properties.secretUri
var tokenEncryptionKeySecretUri = empty(tokenEncryptionKey)
  ? keptTokenEncryptionKey!.properties.secretUri
  : tokenEncryptionKeySecret!.properties.secretUri

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
    // The host buffers a whole request body before the worker sees it (100 MiB by default); just above the relay's
    // own limit, so the relay still answers its problem+json 413 and the host refuses anything far larger.
    FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: string(relayMaxRequestBodyBytes + 1024)

    // Host: identity-based AzureWebJobsStorage (no connection string) and Entra-authenticated telemetry.
    AzureWebJobsStorage__accountName: storage.name
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // DefaultAzureCredential picks the user-assigned identity by this client id.
    AZURE_CLIENT_ID: identityClientId

    // The relay (RelayOptions, StorageOptions, PurgeOptions and the purge timer, PushOptions and the push notifier).
    Relay__PublicBaseUrl: publicBaseUrl
    Relay__ClaimHashKey: '@Microsoft.KeyVault(SecretUri=${claimHashKeySecretUri})'
    Relay__TokenEncryptionKey: '@Microsoft.KeyVault(SecretUri=${tokenEncryptionKeySecretUri})'
    Relay__MaxTimeToLiveSeconds: string(maxTimeToLiveSeconds)
    Relay__DefaultTimeToLiveSeconds: string(defaultTimeToLiveSeconds)
    Relay__MaxPayloadBytes: string(maxPayloadBytes)
    Relay__MaxDisplayInformationBytes: string(maxDisplayInformationBytes)
    Storage__TableEndpoint: storage.properties.primaryEndpoints.table
    // The app's user-assigned identity (AZURE_CLIENT_ID), never DefaultAzureCredential's search in production.
    Storage__Credential: 'ManagedIdentity'
    Storage__MailboxTable: mailboxTable
    Storage__Shards: string(storageShards)
    Storage__NetworkTimeout: storageNetworkTimeout
    Storage__MaxRetries: string(storageMaxRetries)
    PurgeSchedule: purgeSchedule
    Purge__TimeBudget: purgeTimeBudget
    Purge__TombstoneRetention: purgeTombstoneRetention
    Push__MaxPerMailbox: string(pushMaxPerMailbox)
    Push__MinIntervalSeconds: string(pushMinIntervalSeconds)
    PushRetrySchedule: pushRetrySchedule
    Push__RetryDelayCapSeconds: string(pushRetryDelayCapSeconds)
    NotificationHubs__ConnectionString: '@Microsoft.KeyVault(SecretUri=${notificationHubsSecret.properties.secretUri})'
    NotificationHubs__HubName: notificationHubName
    NotificationHubs__Platforms: notificationHubsPlatforms
    RateLimiting__Enabled: 'true'
    RateLimiting__TrustedForwardedHops: string(trustedForwardedHops)
    RateLimiting__MaxConcurrentRequests: string(rateLimitMaxConcurrentRequests)
    RateLimiting__MaxConcurrentRequestsPerClient: string(rateLimitMaxConcurrentRequestsPerClient)
    RateLimiting__IPv6Prefix56Multiple: string(rateLimitIPv6Prefix56Multiple)
    RateLimiting__IPv6Prefix48Multiple: string(rateLimitIPv6Prefix48Multiple)
    RateLimiting__BodyTimeout: rateLimitBodyTimeout
    RateLimiting__Create__PermitLimit: string(rateLimitBuckets.Create.PermitLimit)
    RateLimiting__Create__TokensPerPeriod: string(rateLimitBuckets.Create.TokensPerPeriod)
    RateLimiting__Create__ReplenishmentSeconds: string(rateLimitBuckets.Create.ReplenishmentSeconds)
    RateLimiting__CreateWithToken__PermitLimit: string(rateLimitBuckets.CreateWithToken.PermitLimit)
    RateLimiting__CreateWithToken__TokensPerPeriod: string(rateLimitBuckets.CreateWithToken.TokensPerPeriod)
    RateLimiting__CreateWithToken__ReplenishmentSeconds: string(rateLimitBuckets.CreateWithToken.ReplenishmentSeconds)
    RateLimiting__Write__PermitLimit: string(rateLimitBuckets.Write.PermitLimit)
    RateLimiting__Write__TokensPerPeriod: string(rateLimitBuckets.Write.TokensPerPeriod)
    RateLimiting__Write__ReplenishmentSeconds: string(rateLimitBuckets.Write.ReplenishmentSeconds)
    RateLimiting__Read__PermitLimit: string(rateLimitBuckets.Read.PermitLimit)
    RateLimiting__Read__TokensPerPeriod: string(rateLimitBuckets.Read.TokensPerPeriod)
    RateLimiting__Read__ReplenishmentSeconds: string(rateLimitBuckets.Read.ReplenishmentSeconds)
    PrivacyPass__IssuerName: privacyPassIssuerName
    PrivacyPass__IssuerPublicKeys: privacyPassIssuerPublicKeys
    PrivacyPass__CreateMailbox: privacyPassCreateMailbox
    PrivacyPass__ReadSecureContent: privacyPassReadSecureContent
    PrivacyPass__ChallengeWindowSeconds: string(privacyPassChallengeWindowSeconds)
    PrivacyPass__NonceTablePrefix: privacyPassNonceTablePrefix
    AppLinks__AppleAppIds: appLinksAppleAppIds
    AppLinks__AndroidPackageName: appLinksAndroidPackageName
    AppLinks__AndroidCertificateFingerprints: appLinksAndroidCertificateFingerprints
    AppLinks__AppName: appLinksAppName
    AppLinks__AppStoreUrl: appLinksAppStoreUrl
    AppLinks__PlayStoreUrl: appLinksPlayStoreUrl
  }
}
