// Alerts on what the relay itself reports to Application Insights (requests and its own log lines), and a monthly
// budget on the resource group. They notify the action group when an address is given; without one they still fire
// and show in the portal.
param location string
param tags object = {}
param applicationInsightsName string
@description('Who is told: an email address, or empty for portal-only alerts and no budget notification.')
param alertEmail string
@description('Share of requests answered 5xx (percent, over 15 minutes) that raises an alert.')
param serverErrorPercent int = 1
@description('Share of requests answered 429 (percent, over 15 minutes) that raises an alert: clients meeting the limits.')
param throttledPercent int = 10
@description('Purge runs in a row (the latest ones within the last hour) that all stopped at their time budget before an alert: expired mailboxes come in faster than a run empties them.')
@minValue(1)
param purgeOutOfTimeRuns int = 10
@description('Pushes not delivered (refused or failed after retries) in 15 minutes that raise an alert.')
param pushFailures int = 20
@description('Monthly budget of the resource group in the billing currency; 0 for none.')
param budgetAmount int
@description('First day of the budget\'s first month (yyyy-MM-01).')
param budgetStartDate string

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = if (!empty(alertEmail)) {
  name: 'ag-relay'
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'relay'
    enabled: true
    emailReceivers: [
      {
        name: 'operator'
        emailAddress: alertEmail
        useCommonAlertSchema: true
      }
    ]
  }
}

// The purge's log events (src/ScTransfer.Relay/Diagnostics/EventIds.cs): one per run, by its event id, which the
// worker's exporter writes as the EventId custom dimension. A run that stopped at Purge__TimeBudget is PurgeOutOfTime.
var purgeCompletedEventId = '1201'
var purgeOutOfTimeEventId = '1202'

// Each query reads the Application Insights tables the worker's OpenTelemetry exporter writes: requests (one per
// HTTP invocation, with its status) and traces (the relay's log lines, with their template values in customDimensions).
var rules = [
  {
    name: 'relay-5xx-rate'
    severity: 1
    description: 'More than ${serverErrorPercent}% of requests answered 5xx: the relay promises no 5xx (storage outages answer 503).'
    query: 'requests | summarize total = count(), failed = countif(toint(resultCode) >= 500) | where total > 20 | extend percent = 100.0 * failed / total | where percent > ${serverErrorPercent}'
    windowSize: 'PT15M'
  }
  {
    name: 'relay-429-rate'
    severity: 3
    description: 'More than ${throttledPercent}% of requests answered 429: a client is hammering the relay, or the limits are too tight for real traffic.'
    query: 'requests | summarize total = count(), limited = countif(resultCode == "429") | where total > 20 | extend percent = 100.0 * limited / total | where percent > ${throttledPercent}'
    windowSize: 'PT15M'
  }
  {
    name: 'relay-purge-backlog'
    severity: 2
    description: 'The last ${purgeOutOfTimeRuns} purge runs all stopped at their time budget (event ${purgeOutOfTimeEventId}): expired mailboxes come in faster than a run empties them. Raise Purge__TimeBudget (keeping it below the schedule\'s interval) or run the purge more often (PurgeSchedule).'
    // The latest N runs in the window, all out of time; fewer than N runs in the window (a slower schedule) never fire.
    query: 'traces | extend eventId = tostring(customDimensions.EventId) | where eventId in ("${purgeCompletedEventId}", "${purgeOutOfTimeEventId}") | top ${purgeOutOfTimeRuns} by timestamp desc | summarize runs = count(), outOfTime = countif(eventId == "${purgeOutOfTimeEventId}") | where runs == ${purgeOutOfTimeRuns} and outOfTime == runs'
    windowSize: 'PT1H'
  }
  {
    name: 'relay-push-failures'
    severity: 2
    description: 'More than ${pushFailures} pushes not delivered in 15 minutes (refused by Notification Hubs, or failed after retries): check the hub\'s credentials and quota.'
    query: 'traces | where message startswith "Push (" and (message has "not delivered" or message has "refused by Notification Hubs") | summarize failures = count() | where failures > ${pushFailures}'
    windowSize: 'PT15M'
  }
]

resource alerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for rule in rules: {
    name: rule.name
    location: location
    tags: tags
    kind: 'LogAlert'
    properties: {
      displayName: rule.name
      description: rule.description
      severity: rule.severity
      enabled: true
      scopes: [
        applicationInsights.id
      ]
      evaluationFrequency: 'PT5M'
      windowSize: rule.windowSize
      criteria: {
        allOf: [
          {
            query: rule.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: 0
            failingPeriods: {
              numberOfEvaluationPeriods: 1
              minFailingPeriodsToAlert: 1
            }
          }
        ]
      }
      autoMitigate: true
      actions: {
        actionGroups: empty(alertEmail) ? [] : [
          actionGroup.id
        ]
      }
    }
  }
]

resource budget 'Microsoft.Consumption/budgets@2023-11-01' = if (budgetAmount > 0 && !empty(alertEmail)) {
  name: 'relay-monthly'
  properties: {
    category: 'Cost'
    amount: budgetAmount
    timeGrain: 'Monthly'
    timePeriod: {
      startDate: budgetStartDate
    }
    notifications: {
      actual80: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 80
        thresholdType: 'Actual'
        contactEmails: [
          alertEmail
        ]
      }
      forecast100: {
        enabled: true
        operator: 'GreaterThanOrEqualTo'
        threshold: 100
        thresholdType: 'Forecasted'
        contactEmails: [
          alertEmail
        ]
      }
    }
  }
}
