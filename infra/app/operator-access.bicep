// Optional read access for the person who deploys (azd passes their principal id): look at the relay's tables and
// query its logs without handing them the app's identity. Read only: nothing here can change a mailbox or a secret.
param principalId string
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param principalType string
param storageAccountName string
param logAnalyticsWorkspaceName string

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' existing = {
  name: storageAccountName
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' existing = {
  name: logAnalyticsWorkspaceName
}

resource tableReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, principalId, '76199698-9eea-4c19-bc75-cec21354c6b6')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '76199698-9eea-4c19-bc75-cec21354c6b6') // Storage Table Data Reader
    principalId: principalId
    principalType: principalType
  }
}

resource logReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(logAnalytics.id, principalId, '73c42c96-874c-492b-b04d-ab87d138a893')
  scope: logAnalytics
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '73c42c96-874c-492b-b04d-ab87d138a893') // Log Analytics Reader
    principalId: principalId
    principalType: principalType
  }
}
