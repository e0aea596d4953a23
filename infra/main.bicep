// Secure Credential Transfer relay on Azure: `azd up` provisions this and deploys src/ScTransfer.Functions.
// Posture: managed identity and role assignments instead of keys, secrets only in Key Vault, TLS 1.2, no FTP.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; it seeds the unique suffix of every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group name; empty for rg-<environmentName>.')
param resourceGroupName string = ''

@description('HMAC key that turns device claims into stored hashes: base64, at least 32 bytes, stable across deployments (a new key orphans every open mailbox). azd generates it once and keeps it in the environment; it is stored only in Key Vault.')
@secure()
@minLength(44)
@metadata({
  azd: {
    type: 'generate'
    config: {
      length: 64
      noSpecial: true
    }
  }
})
param claimHashKey string

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

@description('FCM v1: service account private key.')
@secure()
param fcmPrivateKey string = ''

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
      expiryTable
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
    fcmPrivateKey: fcmPrivateKey
  }
}

module keyVault 'core/security/key-vault.bicep' = {
  name: 'keyVault'
  scope: rg
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
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

module relay 'core/host/function-app.bicep' = {
  name: 'relay'
  scope: rg
  params: {
    name: 'func-relay-${resourceToken}'
    location: location
    tags: union(tags, {
      'azd-service-name': 'relay'
    })
    planId: plan.outputs.id
    identityId: identity.outputs.id
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
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
    claimHashKey: claimHashKey
    mailboxTable: mailboxTable
    expiryTable: expiryTable
  }
  // Key Vault references and identity-based storage resolve only once the roles exist.
  dependsOn: [
    access
  ]
}

var deploymentContainerName = 'app-package-relay'
var mailboxTable = 'mailboxes'
var expiryTable = 'mailboxexpiry'

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = relay.outputs.name
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output NOTIFICATION_HUBS_NAMESPACE string = notifications.outputs.namespaceName
output RELAY_URL string = relay.outputs.uri
