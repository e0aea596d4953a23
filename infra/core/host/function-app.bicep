// The relay's function app on Flex Consumption: .NET 10 isolated worker, user-assigned identity, HTTPS only.
// App settings are set by app/relay-settings.bicep once the identity's roles exist.
param name string
param location string
param tags object = {}
param planId string
@description('Resource id of the user-assigned identity the app runs as.')
param identityId string
@description('Blob container URL the deployment package goes to (read with the identity).')
param deploymentContainerUrl string
@description('Memory of each instance (MB): 512, 2048 or 4096.')
param instanceMemoryMB int
@description('Most instances the app scales out to.')
param maximumInstanceCount int
@description('HTTP requests one instance runs at once before the platform adds another.')
param httpPerInstanceConcurrency int
@description('The Azure Front Door profile id (X-Azure-FDID) the app alone accepts traffic from; empty: open to the internet.')
param frontDoorId string = ''

// Behind the front door: only its back end, and only for this profile (the header), may reach the app.
var frontDoorOnly = [
  {
    name: 'front-door-only'
    action: 'Allow'
    tag: 'ServiceTag'
    ipAddress: 'AzureFrontDoor.Backend'
    priority: 100
    headers: {
      'x-azure-fdid': [
        frontDoorId
      ]
    }
  }
]

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: planId
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      scmMinTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
      ipSecurityRestrictions: empty(frontDoorId) ? [] : frontDoorOnly
      ipSecurityRestrictionsDefaultAction: empty(frontDoorId) ? 'Allow' : 'Deny'
      // The deployment (SCM) endpoint keeps its own rules: azd deploys from wherever it runs.
      scmIpSecurityRestrictionsUseMain: false
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
        triggers: {
          http: {
            perInstanceConcurrency: httpPerInstanceConcurrency
          }
        }
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }

  // No basic-auth (FTP, SCM) publishing: azd deploys with Entra ID.
  resource ftp 'basicPublishingCredentialsPolicies' = {
    name: 'ftp'
    properties: {
      allow: false
    }
  }

  resource scm 'basicPublishingCredentialsPolicies' = {
    name: 'scm'
    properties: {
      allow: false
    }
  }
}

output name string = site.name
output defaultHostName string = site.properties.defaultHostName
output uri string = 'https://${site.properties.defaultHostName}'
