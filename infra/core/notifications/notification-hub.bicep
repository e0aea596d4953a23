// Notification Hubs namespace and hub for the relay's silent pushes (direct send; no registrations).
// Platform credentials are sent only when given: a deployment without them names no credential property at all (never
// null), so credentials already in the hub (an earlier deployment's, or set in the portal) stay as they are
// (docs/deploy.md, "Push credentials"). The credentials are typed objects of an API version that has fcmV1Credential,
// so `bicep build` checks every property name.
param namespaceName string
param hubName string
param location string
param tags object = {}
param sku string

// The resource type marks every credential property secure, identifiers included.
@secure()
param apnsKeyId string
@secure()
param apnsTeamId string
@secure()
param apnsBundleId string
@secure()
param apnsToken string
param apnsEnvironment string

@secure()
param fcmProjectId string
@secure()
param fcmClientEmail string
@description('FCM v1 service account private key (PEM), base64-encoded so its newlines survive azd\'s parameter substitution.')
@secure()
param fcmPrivateKeyBase64 string

var apnsEndpoints = {
  production: 'https://api.push.apple.com:443/3/device'
  sandbox: 'https://api.development.push.apple.com:443/3/device'
}

resource namespace 'Microsoft.NotificationHubs/namespaces@2023-10-01-preview' = {
  name: namespaceName
  location: location
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    namespaceType: 'NotificationHub'
  }
}

// The hub's properties with exactly the credentials given; each combination is typed, so a misspelt property fails.
type hubProperties = resourceInput<'Microsoft.NotificationHubs/namespaces/notificationHubs@2023-10-01-preview'>.properties

var apnsCredential = {
  properties: {
    keyId: apnsKeyId
    appId: apnsTeamId
    appName: apnsBundleId
    token: apnsToken
    #disable-next-line use-secure-value-for-secure-inputs // Apple's public endpoint URL, not a secret
    endpoint: apnsEndpoints[apnsEnvironment]
  }
}

// Android pushes use the format fcmv1: FCM legacy was retired in June 2024.
var fcmV1Credential = {
  properties: {
    projectId: fcmProjectId
    clientEmail: fcmClientEmail
    #disable-next-line use-secure-value-for-secure-inputs // decoded from the @secure() parameter above
    privateKey: base64ToString(fcmPrivateKeyBase64)
  }
}

var hubWithCredentials hubProperties = empty(apnsToken)
  ? (empty(fcmPrivateKeyBase64) ? {} : { fcmV1Credential: fcmV1Credential })
  : (empty(fcmPrivateKeyBase64)
      ? { apnsCredential: apnsCredential }
      : { apnsCredential: apnsCredential, fcmV1Credential: fcmV1Credential })

resource hub 'Microsoft.NotificationHubs/namespaces/notificationHubs@2023-10-01-preview' = {
  parent: namespace
  name: hubName
  location: location
  tags: tags
  properties: hubWithCredentials
}

// Send only: the relay never manages registrations, so it gets no Listen or Manage right.
resource sendRule 'Microsoft.NotificationHubs/namespaces/notificationHubs/authorizationRules@2023-10-01-preview' = {
  parent: hub
  name: 'RelaySend'
  properties: {
    rights: [
      'Send'
    ]
  }
}

output namespaceName string = namespace.name
output hubName string = hub.name
output sendRuleName string = sendRule.name
