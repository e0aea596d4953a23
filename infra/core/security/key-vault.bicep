// Key Vault for the relay's secrets, authorised by Azure RBAC (no access policies).
param name string
param location string
param tags object = {}
@description('Purge protection: a deleted vault (and the claim-hash key in it) can then not be purged before its retention ends. It cannot be turned off again, and `azd down --purge` then cannot reuse the name for 7 days.')
param enablePurgeProtection bool = false

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // The API accepts true or nothing: false is refused once it was true.
    enablePurgeProtection: enablePurgeProtection ? true : null
    // The Flex Consumption app reaches the vault over its public endpoint (no VNet in this template).
    publicNetworkAccess: 'Enabled'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
