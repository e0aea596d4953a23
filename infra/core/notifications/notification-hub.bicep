// Notification Hubs namespace and hub for the relay's silent pushes (direct send; no registrations).
// Platform credentials are applied only when given, so a first deployment needs none.
param namespaceName string
param hubName string
param location string
param tags object = {}
param sku string

param apnsKeyId string
param apnsTeamId string
param apnsBundleId string
@secure()
param apnsToken string
param apnsEnvironment string

param fcmProjectId string
param fcmClientEmail string
@secure()
param fcmPrivateKey string

var apnsEndpoints = {
  production: 'https://api.push.apple.com:443/3/device'
  sandbox: 'https://api.development.push.apple.com:443/3/device'
}

var apnsCredential = empty(apnsToken) ? {} : {
  apnsCredential: {
    properties: {
      keyId: apnsKeyId
      appId: apnsTeamId
      appName: apnsBundleId
      token: apnsToken
      endpoint: apnsEndpoints[apnsEnvironment]
    }
  }
}

var fcmV1Credential = empty(fcmPrivateKey) ? {} : {
  fcmV1Credential: {
    properties: {
      projectId: fcmProjectId
      clientEmail: fcmClientEmail
      privateKey: fcmPrivateKey
    }
  }
}

resource namespace 'Microsoft.NotificationHubs/namespaces@2023-09-01' = {
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

resource hub 'Microsoft.NotificationHubs/namespaces/notificationHubs@2023-09-01' = {
  parent: namespace
  name: hubName
  location: location
  tags: tags
  properties: union(apnsCredential, fcmV1Credential)
}

// Send only: the relay never manages registrations, so it gets no Listen or Manage right.
resource sendRule 'Microsoft.NotificationHubs/namespaces/notificationHubs/authorizationRules@2023-09-01' = {
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
