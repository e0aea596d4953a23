// Secure Credential Transfer relay on Azure: `azd up` provisions this and deploys src/ScTransfer.Functions.
// Posture: managed identity and role assignments instead of keys, secrets only in Key Vault, TLS 1.2, no FTP.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan (`az functionapp list-flexconsumption-locations`).')
// The regions Azure-Samples/functions-quickstart-dotnet-azd allows for Flex Consumption: a region without it would
// fail late, at the plan. Add a region here once that command lists it.
@allowed([
  'australiaeast'
  'centralindia'
  'centralus'
  'eastasia'
  'eastus'
  'eastus2'
  'francecentral'
  'germanywestcentral'
  'northcentralus'
  'northeurope'
  'southcentralus'
  'southeastasia'
  'swedencentral'
  'uksouth'
  'westcentralus'
  'westeurope'
  'westus2'
])
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty for rg-<environmentName>.')
param resourceGroupName string = ''

@description('HMAC key that turns device claims into stored hashes: base64, at least 32 bytes, stable across deployments (a new key orphans every open mailbox). Empty keeps the key already in Key Vault, and stops the deployment when the vault has none; with azd, infra/hooks/preprovision.sh generates one only when the vault has none, and refuses to replace one; without azd, pass it on the first deployment (docs/deploy.md).')
@secure()
param claimHashKey string = ''

@description('AES-256-GCM key that encrypts push tokens at rest: base64 of 32 bytes, stable like the claim-hash key (a new key makes stored tokens unreadable: pushes for open mailboxes stop). Empty keeps the key in Key Vault (and stops the deployment when there is none); generated and guarded by the same hook with azd, passed on the first deployment without.')
@secure()
param tokenEncryptionKey string = ''

@description('Custom domain the relay is reached at (e.g. relay.example.com), for share links; empty: the front door endpoint when it is on, else the function app\'s azurewebsites.net host. Set it only once the domain serves the relay: bind it and its certificate first (docs/deploy.md, "A custom domain").')
param customDomain string = ''

@description('Put Azure Front Door (with a WAF policy) in front of the app; the app then accepts only the front door\'s traffic. Off by default: it costs money.')
param frontDoorEnabled bool = false

@description('Front door tier: Premium adds Microsoft\'s managed WAF rule sets.')
@allowed([
  'Standard_AzureFrontDoor'
  'Premium_AzureFrontDoor'
])
param frontDoorSku string = 'Standard_AzureFrontDoor'

@description('WAF rate rule: requests per client address per minute. Generous: mobile carriers put many phones behind one address.')
@minValue(10)
param frontDoorRateLimitPerMinute int = 600

@description('Microsoft\'s managed WAF rule sets (Default Rule Set, Bot Manager); Premium only, ignored on Standard.')
param frontDoorManagedRules bool = true

@description('A custom domain for the front door to serve with a certificate it manages (e.g. relay.example.com); empty: none. Give it first, add the TXT record FRONT_DOOR_DOMAIN_VALIDATION names and a CNAME to FRONT_DOOR_ENDPOINT, then set customDomain to switch share links (docs/deploy.md, "A custom domain").')
param frontDoorCustomDomain string = ''

@description('Key Vault purge protection. Recommended for production (the claim-hash key cannot then be purged by mistake); cannot be turned off again.')
param keyVaultPurgeProtection bool = false

@description('Principal id of the person deploying (azd passes AZURE_PRINCIPAL_ID): gets read access to the tables and the logs. Empty: no operator roles.')
param principalId string = ''

@description('Kind of principalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Email for alerts and the budget\'s notifications; empty: alerts and the budget show in the portal only (Monitor alerts, Cost Management budgets) and nobody is emailed.')
param alertEmail string = ''

@description('Monthly budget of the resource group (billing currency); 0: no budget. Created with or without alertEmail.')
@minValue(0)
param budgetAmount int = 50

@description('First day of the budget\'s first month (yyyy-MM-dd), which Azure never lets a later deployment change: the budget\'s own once it exists (infra/hooks/preprovision.sh reads it; without azd, pass the BUDGET_START_DATE output of the first deployment). Empty: this month.')
param budgetStartDate string = ''

@description('Leave as it is: the first day of the deployment\'s month, used while budgetStartDate is empty (utcNow() is allowed only as a parameter default).')
param deploymentMonthStart string = '${utcNow('yyyy-MM')}-01'

@description('Most instances the app scales out to (Flex Consumption: up to 1,000). Raise it when relay-instance-busy fires at the limit (docs/operations.md, "Scaling").')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance in MB; CPU and network grow with it, and so does the bill per second (docs/operations.md, "Scaling").')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('HTTP requests one instance runs at once before the platform adds instances (Flex Consumption\'s own default is 16 at 2,048 MB, 32 at 4,096 MB). Keep it at or below RateLimiting__MaxConcurrentRequests (128), or the relay refuses the excess with 429 (docs/operations.md, "Scaling").')
@minValue(1)
@maxValue(1000)
param httpPerInstanceConcurrency int = 16

@description('Privacy Pass issuer name (RFC 9577); empty while the modes are off.')
param privacyPassIssuerName string = ''

@description('Privacy Pass issuer public keys (SPKI, base64; several separated by commas for rotation).')
param privacyPassIssuerPublicKeys string = ''

@description('Privacy Pass token for CreateMailbox: off, optional or required.')
@allowed([
  'off'
  'optional'
  'required'
])
param privacyPassCreateMailbox string = 'off'

@description('Privacy Pass token for the first read that binds a receiver: off, optional or required.')
@allowed([
  'off'
  'optional'
  'required'
])
param privacyPassReadSecureContent string = 'off'

@description('Notification Hubs namespace tier.')
@allowed([
  'Free'
  'Basic'
  'Standard'
])
param notificationHubsSku string = 'Free'

@description('APNs token authentication (.p8 key): key id. Leave the APNs parameters empty to configure APNs later.')
param apnsKeyId string = ''

@description('APNs token authentication: Apple team id.')
param apnsTeamId string = ''

@description('APNs token authentication: the app bundle id.')
param apnsBundleId string = ''

@description('APNs token authentication: contents of the .p8 key, without the BEGIN/END lines.')
@secure()
param apnsToken string = ''

@description('APNs endpoint: production or sandbox (development builds).')
@allowed([
  'production'
  'sandbox'
])
param apnsEnvironment string = 'production'

@description('FCM v1: Firebase project id. Leave the FCM parameters empty to configure FCM later.')
param fcmProjectId string = ''

@description('FCM v1: service account client email.')
param fcmClientEmail string = ''

@description('FCM v1: the service account\'s private key (PEM), base64-encoded: `jq -r .private_key service-account.json | base64 | tr -d \'\\n\'`. A PEM\'s newlines would break azd\'s JSON parameter file.')
@secure()
param fcmPrivateKeyBase64 string = ''

@description('Platforms whose credentials the hub already holds (from an earlier deployment, or the portal), which a deployment without those credentials keeps: empty, apns, fcm or apns,fcm. infra/hooks/preprovision.sh asks the hub; without azd, pass the PUSH_PLATFORMS_IN_PLACE output of the last deployment.')
@allowed([
  ''
  'apns'
  'fcm'
  'apns,fcm'
])
param pushPlatformsInPlace string = ''

// The wallet app(s) that open share links (docs/apps.md); all empty: no association files, a page without an app action.
@description('iOS apps that open share links as universal links: TEAMID.bundle.id, several separated by commas.')
param appLinksAppleAppIds string = ''

@description('Android app that opens share links as App Links: its package name.')
param appLinksAndroidPackageName string = ''

@description('SHA-256 fingerprints of the Android app\'s signing certificates (AA:BB:..., 32 bytes), separated by commas.')
param appLinksAndroidCertificateFingerprints string = ''

@description('The app\'s name as the share page shows it ("Open in ..."); required with either app.')
param appLinksAppName string = ''

@description('The app\'s App Store page (https://apps.apple.com/.../id<digits>: also Safari\'s Smart App Banner).')
param appLinksAppStoreUrl string = ''

@description('The app\'s Google Play page (https).')
param appLinksPlayStoreUrl string = ''

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity 'core/security/user-assigned-identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-relay-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'core/storage/storage-account.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    containers: [
      deploymentContainerName
    ]
    tables: [
      mailboxTable
    ]
  }
}

module monitoring 'core/monitor/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module notifications 'core/notifications/notification-hub.bicep' = {
  name: 'notifications'
  scope: rg
  params: {
    namespaceName: 'ntfns-${resourceToken}'
    hubName: 'relay'
    location: location
    tags: tags
    sku: notificationHubsSku
    apnsKeyId: apnsKeyId
    apnsTeamId: apnsTeamId
    apnsBundleId: apnsBundleId
    apnsToken: apnsToken
    apnsEnvironment: apnsEnvironment
    fcmProjectId: fcmProjectId
    fcmClientEmail: fcmClientEmail
    fcmPrivateKeyBase64: fcmPrivateKeyBase64
  }
}

module keyVault 'core/security/key-vault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    enablePurgeProtection: keyVaultPurgeProtection
  }
}

module plan 'core/host/flex-consumption-plan.bicep' = {
  name: 'plan'
  scope: rg
  params: {
    name: 'plan-${resourceToken}'
    location: location
    tags: tags
  }
}

var functionAppName = 'func-relay-${resourceToken}'

module frontDoor 'core/network/front-door.bicep' = if (frontDoorEnabled) {
  name: 'frontDoor'
  scope: rg
  params: {
    name: 'afd-${resourceToken}'
    tags: tags
    sku: frontDoorSku
    // The app's default host name (no unique-hostname scope is set on the app), known before the app exists.
    originHostName: '${functionAppName}.azurewebsites.net'
    rateLimitPerMinute: frontDoorRateLimitPerMinute
    maxRequestBodyBytes: relayMaxRequestBodyBytes
    managedRules: frontDoorManagedRules
    customDomain: frontDoorCustomDomain
  }
}

module relay 'core/host/function-app.bicep' = {
  name: 'relay'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: union(tags, {
      'azd-service-name': 'relay'
    })
    planId: plan.outputs.id
    identityId: identity.outputs.id
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    httpPerInstanceConcurrency: httpPerInstanceConcurrency
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    frontDoorId: frontDoorEnabled ? frontDoor!.outputs.frontDoorId : ''
  }
}

module access 'app/relay-access.bicep' = {
  name: 'relayAccess'
  scope: rg
  params: {
    principalId: identity.outputs.principalId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module settings 'app/relay-settings.bicep' = {
  name: 'relaySettings'
  scope: rg
  params: {
    functionAppName: relay.outputs.name
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    keyVaultName: keyVault.outputs.name
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    notificationHubsNamespaceName: notifications.outputs.namespaceName
    notificationHubName: notifications.outputs.hubName
    notificationHubSendRuleName: notifications.outputs.sendRuleName
    notificationHubsPlatforms: notificationHubsPlatforms
    claimHashKey: claimHashKey
    tokenEncryptionKey: tokenEncryptionKey
    maxPayloadBytes: maxPayloadBytes
    maxDisplayInformationBytes: maxDisplayInformationBytes
    publicBaseUrl: publicBaseUrl
    // The App Service front end appends the client's address to X-Forwarded-For; Azure Front Door adds one more hop.
    trustedForwardedHops: frontDoorEnabled ? 2 : 1
    privacyPassIssuerName: privacyPassIssuerName
    privacyPassIssuerPublicKeys: privacyPassIssuerPublicKeys
    privacyPassCreateMailbox: privacyPassCreateMailbox
    privacyPassReadSecureContent: privacyPassReadSecureContent
    mailboxTable: mailboxTable
    appLinksAppleAppIds: appLinksAppleAppIds
    appLinksAndroidPackageName: appLinksAndroidPackageName
    appLinksAndroidCertificateFingerprints: appLinksAndroidCertificateFingerprints
    appLinksAppName: appLinksAppName
    appLinksAppStoreUrl: appLinksAppStoreUrl
    appLinksPlayStoreUrl: appLinksPlayStoreUrl
  }
  // Key Vault references and identity-based storage resolve only once the roles exist.
  dependsOn: [
    access
  ]
}

module diagnostics 'core/monitor/diagnostics.bicep' = {
  name: 'diagnostics'
  scope: rg
  params: {
    logAnalyticsWorkspaceId: monitoring.outputs.logAnalyticsWorkspaceId
    keyVaultName: keyVault.outputs.name
    storageAccountName: storage.outputs.name
    notificationHubsNamespaceName: notifications.outputs.namespaceName
    functionAppName: relay.outputs.name
  }
}

module alerts 'core/monitor/alerts.bicep' = {
  name: 'alerts'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    alertEmail: alertEmail
    budgetAmount: budgetAmount
    budgetStartDate: budgetStart
  }
}

// The operator's workbook on Application Insights: transfers, refusals, 503s, pushes and the purge (docs/operations.md).
module workbook 'core/monitor/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    location: location
    tags: tags
    applicationInsightsName: monitoring.outputs.applicationInsightsName
  }
}

module operatorAccess 'app/operator-access.bicep' = if (!empty(principalId)) {
  name: 'operatorAccess'
  scope: rg
  params: {
    principalId: principalId
    principalType: principalType
    storageAccountName: storage.outputs.name
    logAnalyticsWorkspaceName: monitoring.outputs.logAnalyticsWorkspaceName
  }
}

// The relay's size limits (Relay__MaxPayloadBytes, Relay__MaxDisplayInformationBytes) and the request body limit they
// give (RelayOptions.MaxRequestBodyBytes), for the WAF's size rule; relay-settings.bicep derives the host's from them.
var maxPayloadBytes = 131072
var maxDisplayInformationBytes = 8192
var relayMaxRequestBodyBytes = ((maxPayloadBytes + 2) / 3 * 4) + maxDisplayInformationBytes + 8 * 1024

var publicHostName = !empty(customDomain)
  ? customDomain
  : frontDoorEnabled ? frontDoor!.outputs.hostName : relay.outputs.defaultHostName
var publicBaseUrl = 'https://${publicHostName}'

// The platforms the hub can reach once this deployment is done: the credentials given now, and those it already held.
// The relay answers isPushNotificationSupported: false for a token of any other platform (NotificationHubs__Platforms).
var apnsReachable = !empty(apnsToken) || contains(pushPlatformsInPlace, 'apns')
var fcmReachable = !empty(fcmPrivateKeyBase64) || contains(pushPlatformsInPlace, 'fcm')
var pushPlatforms = apnsReachable ? (fcmReachable ? 'apns,fcm' : 'apns') : (fcmReachable ? 'fcm' : '')
var notificationHubsPlatforms = apnsReachable ? (fcmReachable ? 'apns,fcm' : 'apns') : (fcmReachable ? 'fcm' : 'none')

var budgetStart = empty(budgetStartDate) ? deploymentMonthStart : budgetStartDate

var deploymentContainerName = 'app-package-relay'
var mailboxTable = 'mailboxes'

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = relay.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output NOTIFICATION_HUBS_NAMESPACE string = notifications.outputs.namespaceName
output RELAY_URL string = publicBaseUrl
output RELAY_ORIGIN_URL string = relay.outputs.uri
// With the front door: its endpoint's host (a custom domain's CNAME target) and the TXT record that proves the domain.
output FRONT_DOOR_ENDPOINT string = frontDoorEnabled ? frontDoor!.outputs.hostName : ''
output FRONT_DOOR_DOMAIN_VALIDATION string = frontDoorEnabled && !empty(frontDoorCustomDomain)
  ? '_dnsauth.${frontDoorCustomDomain} TXT ${frontDoor!.outputs.customDomainValidation}'
  : ''
// Fed back into the next deployment by azd (they land in .azure/<env>/.env): which platforms' credentials the hub holds,
// and the budget's first month, which Azure refuses to change.
output PUSH_PLATFORMS_IN_PLACE string = pushPlatforms
output BUDGET_START_DATE string = budgetStart
