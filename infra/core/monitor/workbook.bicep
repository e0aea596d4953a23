// A shared Azure Monitor workbook on the relay's Application Insights: transfers, refusals by reason, 503s, pushes by
// outcome and the purge, charted from the relay.* counters (src/ScTransfer.Relay/Diagnostics/RelayMetrics.cs) and
// its log events by id (docs/operations.md, "Workbook"). The workbook's JSON is built here as typed objects, so that
// `bicep build` checks every item against the types below, and serialized with string().
param location string
param tags object = {}
param applicationInsightsName string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

@description('The time range picker every chart follows (its value is applied to each query, and its grain to bin()).')
type timeRangeParameter = {
  id: string
  version: 'KqlParameterItem/1.0'
  name: 'TimeRange'
  label: string
  type: 4
  isRequired: true
  value: {
    durationMs: int
  }
  typeSettings: {
    selectableValues: {
      durationMs: int
    }[]
    allowCustom: bool
  }
}

type textItem = {
  type: 1
  name: string
  content: {
    json: string
  }
}

type parametersItem = {
  type: 9
  name: string
  content: {
    version: 'KqlParameterItem/1.0'
    parameters: timeRangeParameter[]
  }
}

@description('A chart or grid from a Logs query on the workbook\'s Application Insights resource (queryType 0).')
type queryItem = {
  type: 3
  name: string
  customWidth: '50' | '100'
  content: {
    version: 'KqlItem/1.0'
    title: string
    query: string
    size: 0 | 1
    queryType: 0
    resourceType: 'microsoft.insights/components'
    timeContextFromParameter: 'TimeRange'
    visualization: 'timechart' | 'barchart' | 'table'
  }
}

@description('The workbook. Its items are checked where they are declared (about, timeRange, charts): Bicep has no union of these item types.')
type notebook = {
  version: 'Notebook/1.0'
  items: object[]
  fallbackResourceIds: string[]
  '$schema': string
}

@description('A half-width chart of one query.')
func chart(name string, title string, query string, visualization 'timechart' | 'barchart' | 'table') queryItem => {
  type: 3
  name: name
  customWidth: '50'
  content: {
    version: 'KqlItem/1.0'
    title: title
    query: query
    size: 0
    queryType: 0
    resourceType: 'microsoft.insights/components'
    timeContextFromParameter: 'TimeRange'
    visualization: visualization
  }
}

@description('Counters\' increase per time bin, one series per value of the KQL expression series (a tag, or the metric name).')
func counterQuery(names string, series string) string =>
  join(
    [
      'customMetrics'
      '| where name in (${names})'
      '| extend series = ${series}'
      '| summarize total = sum(valueSum) by series, bin(timestamp, {TimeRange:grain})'
    ],
    '\n'
  )

@description('The KQL expression of a metric tag\'s value.')
func tag(key string) string => 'tostring(customDimensions["${key}"])'

var hour = 3600000

var about textItem = {
  type: 1
  name: 'about'
  content: {
    json: join(
      [
        '## Secure Credential Transfer relay'
        'Counts from the relay\'s own counters (meter `ScTransfer.Relay`), summed over every instance; log events by their id. What each counts: docs/operations.md in the relay\'s repository. Empty charts before the first transfer are expected.'
      ],
      '\n\n'
    )
  }
}

var timeRange parametersItem = {
  type: 9
  name: 'parameters'
  content: {
    version: 'KqlParameterItem/1.0'
    parameters: [
      {
        id: 'b2f4c3d1-5e6a-4c1b-9d7e-2a3b4c5d6e7f'
        version: 'KqlParameterItem/1.0'
        name: 'TimeRange'
        label: 'Time range'
        type: 4
        isRequired: true
        value: {
          durationMs: 24 * hour
        }
        typeSettings: {
          selectableValues: [
            { durationMs: hour }
            { durationMs: 4 * hour }
            { durationMs: 24 * hour }
            { durationMs: 72 * hour }
            { durationMs: 168 * hour }
            { durationMs: 720 * hour }
          ]
          allowCustom: true
        }
      }
    ]
  }
}

var charts queryItem[] = [
  chart(
    'transfers',
    'Transfers: mailboxes created, receivers bound, updates, deletes, relinquishes',
    counterQuery(
      '"relay.mailboxes.created", "relay.receivers.bound", "relay.mailboxes.updated", "relay.mailboxes.deleted", "relay.mailboxes.relinquished"',
      'name'
    ),
    'timechart'
  )
  chart(
    'refusals',
    'Requests refused before any storage work, by reason (relay.refusal.reason)',
    counterQuery('"relay.requests.refused"', tag('relay.refusal.reason')),
    'barchart'
  )
  chart(
    'storage-unavailable',
    '503: Table storage unavailable, by cause (failed, or breaker_open: known to be down)',
    counterQuery('"relay.storage.unavailable"', tag('relay.storage.cause')),
    'timechart'
  )
  chart(
    'pushes',
    'Push attempts by outcome (relay.push.outcome)',
    counterQuery('"relay.pushes"', tag('relay.push.outcome')),
    'barchart'
  )
  chart(
    'push-backlog',
    'Pending pushes the retry timer found due, and the oldest one\'s age in seconds (the outbox)',
    join(
      [
        'customMetrics'
        '| where name in ("relay.push.pending", "relay.push.oldest_pending_age")'
        '| summarize value = max(valueMax) by name, bin(timestamp, {TimeRange:grain})'
      ],
      '\n'
    ),
    'timechart'
  )
  chart(
    'purge-entities',
    'Purge: entities by action (relay.purge.action)',
    counterQuery('"relay.purge.entities"', tag('relay.purge.action')),
    'barchart'
  )
  chart(
    'purge-runs',
    'Purge runs: complete, or out_of_time (stopped at Purge__TimeBudget)',
    counterQuery('"relay.purge.runs"', tag('relay.purge.outcome')),
    'timechart'
  )
  chart(
    'unhandled-failures',
    'Unhandled failures (event 1501, each answered 500)',
    join(
      [
        'traces'
        '| where tostring(customDimensions.EventId) == "1501"'
        '| summarize failures = count() by bin(timestamp, {TimeRange:grain})'
      ],
      '\n'
    ),
    'timechart'
  )
]

var relay notebook = {
  version: 'Notebook/1.0'
  '$schema': 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json'
  fallbackResourceIds: [
    applicationInsights.id
  ]
  items: concat([about, timeRange], charts)
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  // A workbook's name is a GUID; this one is stable per resource group, so a new deployment updates it in place.
  name: guid(resourceGroup().id, 'relay-workbook')
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: 'Secure Credential Transfer relay'
    category: 'workbook'
    sourceId: applicationInsights.id
    version: 'Notebook/1.0'
    serializedData: string(relay)
  }
}
