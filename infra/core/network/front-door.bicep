// Optional Azure Front Door (Standard or Premium) with a WAF policy in front of the function app. The relay's own
// limits are per instance and multiply as Flex Consumption scales out; the WAF's per-client rate rule holds at the
// edge whatever the instance count. The app then accepts only this profile's traffic (function-app.bicep).
param name string
param tags object = {}
@allowed([
  'Standard_AzureFrontDoor'
  'Premium_AzureFrontDoor'
])
param sku string
@description('Host name of the origin: the function app\'s default host name.')
param originHostName string
@description('Requests per client address (socket address, as the edge sees it) per minute before the WAF answers 429.')
@minValue(10)
param rateLimitPerMinute int
@description('Largest request body (Content-Length) the WAF lets through, in bytes.')
param maxRequestBodyBytes int
@description('Microsoft\'s managed rule sets (Default Rule Set, Bot Manager): Premium only.')
param managedRules bool
@description('A custom domain the front door serves too (e.g. relay.example.com), with a certificate it manages; empty: none. It is validated by a TXT record (output customDomainValidation) and reached by a CNAME to the endpoint.')
param customDomain string = ''

var isPremium = sku == 'Premium_AzureFrontDoor'

resource profile 'Microsoft.Cdn/profiles@2024-02-01' = {
  name: name
  location: 'global'
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    originResponseTimeoutSeconds: 60
  }
}

resource endpoint 'Microsoft.Cdn/profiles/afdEndpoints@2024-02-01' = {
  parent: profile
  name: 'relay-${uniqueString(profile.id)}'
  location: 'global'
  tags: tags
  properties: {
    enabledState: 'Enabled'
  }
}

resource originGroup 'Microsoft.Cdn/profiles/originGroups@2024-02-01' = {
  parent: profile
  name: 'relay'
  properties: {
    loadBalancingSettings: {
      sampleSize: 4
      successfulSamplesRequired: 3
      additionalLatencyInMilliseconds: 50
    }
    // No health probe: the relay has no cheap probe route, and a single origin has nowhere else to go.
    sessionAffinityState: 'Disabled'
  }
}

resource origin 'Microsoft.Cdn/profiles/originGroups/origins@2024-02-01' = {
  parent: originGroup
  name: 'function-app'
  properties: {
    hostName: originHostName
    originHostHeader: originHostName
    httpsPort: 443
    httpPort: 80
    priority: 1
    weight: 1000
    enabledState: 'Enabled'
    enforceCertificateNameCheck: true
  }
}

// Declared here rather than bound by hand, so that a later deployment, which writes the route and the WAF's
// associations whole, keeps the domain on both (docs/deploy.md, "A custom domain").
resource domain 'Microsoft.Cdn/profiles/customDomains@2024-02-01' = if (!empty(customDomain)) {
  parent: profile
  name: replace(customDomain, '.', '-')
  properties: {
    hostName: customDomain
    tlsSettings: {
      certificateType: 'ManagedCertificate'
      minimumTlsVersion: 'TLS12'
    }
  }
}

resource route 'Microsoft.Cdn/profiles/afdEndpoints/routes@2024-02-01' = {
  parent: endpoint
  name: 'relay'
  properties: {
    originGroup: {
      id: originGroup.id
    }
    supportedProtocols: [
      'Https'
    ]
    httpsRedirect: 'Disabled'
    forwardingProtocol: 'HttpsOnly'
    patternsToMatch: [
      '/*'
    ]
    // The endpoint's own host stays linked, so share links made on it before the custom domain stay valid.
    linkToDefaultDomain: 'Enabled'
    customDomains: empty(customDomain)
      ? []
      : [
          {
            id: domain.id
          }
        ]
    // No caching: every answer is per mailbox and per device.
    cacheConfiguration: null
  }
  dependsOn: [
    origin
  ]
}

resource waf 'Microsoft.Network/FrontDoorWebApplicationFirewallPolicies@2024-02-01' = {
  name: replace('waf${name}', '-', '')
  location: 'global'
  tags: tags
  sku: {
    name: sku
  }
  properties: {
    policySettings: {
      enabledState: 'Enabled'
      mode: 'Prevention'
      requestBodyCheck: 'Enabled'
      customBlockResponseStatusCode: 429
    }
    customRules: {
      rules: [
        {
          name: 'PerClientRate'
          priority: 10
          enabledState: 'Enabled'
          ruleType: 'RateLimitRule'
          rateLimitDurationInMinutes: 1
          rateLimitThreshold: rateLimitPerMinute
          // One bucket per client address, not one for everybody.
          groupBy: [
            {
              variableName: 'SocketAddr'
            }
          ]
          matchConditions: [
            {
              matchVariable: 'RequestUri'
              operator: 'Any'
              negateCondition: false
              matchValue: []
            }
          ]
          action: 'Block'
        }
        {
          name: 'BodyTooLarge'
          priority: 20
          enabledState: 'Enabled'
          ruleType: 'MatchRule'
          matchConditions: [
            {
              matchVariable: 'RequestHeader'
              selector: 'Content-Length'
              operator: 'GreaterThan'
              negateCondition: false
              matchValue: [
                string(maxRequestBodyBytes)
              ]
            }
          ]
          action: 'Block'
        }
      ]
    }
    managedRules: {
      managedRuleSets: isPremium && managedRules
        ? [
            {
              ruleSetType: 'Microsoft_DefaultRuleSet'
              ruleSetVersion: '2.1'
              ruleSetAction: 'Block'
            }
            {
              ruleSetType: 'Microsoft_BotManagerRuleSet'
              ruleSetVersion: '1.1'
            }
          ]
        : []
    }
  }
}

resource securityPolicy 'Microsoft.Cdn/profiles/securityPolicies@2024-02-01' = {
  parent: profile
  name: 'relay-waf'
  properties: {
    parameters: {
      type: 'WebApplicationFirewall'
      wafPolicy: {
        id: waf.id
      }
      associations: [
        {
          domains: concat(
            [
              {
                id: endpoint.id
              }
            ],
            empty(customDomain)
              ? []
              : [
                  {
                    id: domain.id
                  }
                ]
          )
          patternsToMatch: [
            '/*'
          ]
        }
      ]
    }
  }
}

output frontDoorId string = profile.properties.frontDoorId
output hostName string = endpoint.properties.hostName
@description('The DNS record that proves the custom domain: a TXT record named _dnsauth.<domain> with this value; empty without one.')
output customDomainValidation string = empty(customDomain) ? '' : domain!.properties.validationProperties.validationToken
