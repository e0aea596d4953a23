// Alerts on what the relay reports to Application Insights, by metric name and event id, never by the wording of a
// log message (docs/operations.md, "Alerts"), and a monthly budget on the resource group. They notify the action group
// when an address is given; without one they still fire and show in the portal. The budget likewise: created whenever
// it has an amount, it emails the address at 80% spent and at a 100% forecast, and without one it only shows in Cost
// Management (a budget notification needs a recipient; we would rather email nobody than guess one).
//
// Where the queries read (the worker's Azure Monitor exporter, src/ScTransfer.Functions/Telemetry/RelayTelemetry.cs):
// - customMetrics: the relay.* counters of src/ScTransfer.Relay/Diagnostics/RelayMetrics.cs. The exporter sends delta
//   temporality, so each row is one series' increase over one export interval (about a minute) on one instance, with
//   the tags in customDimensions: sum(valueSum) over a window is the count in that window, across instances.
// - traces: the relay's log events; customDimensions.EventId is the id from src/ScTransfer.Relay/Diagnostics/EventIds.cs.
// - requests: the worker's server span of each HTTP invocation, with its status in resultCode; a row stands for
//   itemCount requests when the exporter samples (OTEL_TRACES_SAMPLER_ARG), so counts are sum(itemCount), never count().
param location string
param tags object = {}
param applicationInsightsName string
@description('Who is told: an email address, or empty for portal-only alerts and a budget without notifications.')
param alertEmail string
@description('Share of requests answered 5xx other than 503 (percent, over 15 minutes) that raises an alert.')
param serverErrorPercent int = 1
@description('Answers 503 because Table storage was unavailable (relay.storage.unavailable) in 15 minutes that raise an alert.')
param storageUnavailableAnswers int = 10
@description('Unhandled failures (event 1501, each one a 500) in 15 minutes above which an alert is raised; 0: any.')
param unhandledFailures int = 0
@description('Share of requests refused with 429 by a per-client limit (percent, over 15 minutes) that raises an alert: clients meeting the limits.')
param throttledPercent int = 10
@description('Requests refused because an instance served RateLimiting__MaxConcurrentRequests at once, in 15 minutes, that raise an alert.')
param instanceBusyRefusals int = 20
@description('Purge runs within 30 minutes that all stopped at their time budget (none finished) before an alert: expired mailboxes come in faster than a run empties them.')
@minValue(1)
param purgeOutOfTimeRuns int = 10
@description('Push attempts not delivered (refused by Notification Hubs, or failed and to be retried) in 15 minutes that raise an alert.')
param pushFailures int = 20
@description('Age in seconds of the oldest pending push (from its update) that raises an alert: with the hub working, a push is delivered within about a minute.')
param pushBacklogSeconds int = 300
@description('Monthly budget of the resource group in the billing currency; 0 for none.')
param budgetAmount int
@description('First day of the budget\'s first month (yyyy-MM-01): Azure refuses to change it once the budget exists.')
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

@description('A log alert: it fires when its query returns a row over the window. Rules that mean users are failing now run every 5 minutes; the rest every 15 (a rule costs more the more often it runs).')
type alertRule = {
  name: string
  severity: 0 | 1 | 2 | 3 | 4
  description: string
  query: string
  windowSize: 'PT15M' | 'PT30M' | 'PT1H'
  evaluationFrequency: 'PT5M' | 'PT15M'
}

var rules alertRule[] = [
  {
    name: 'relay-5xx-rate'
    severity: 1
    description: 'More than ${serverErrorPercent}% of requests answered 5xx other than 503: the relay promises no 5xx but a 503 when storage is unavailable (relay-storage-unavailable). See relay-unhandled-failures for the relay\'s own.'
    query: join(
      [
        'requests'
        '| summarize total = sum(itemCount), failed = sumif(itemCount, toint(resultCode) >= 500 and toint(resultCode) != 503)'
        '| where total > 20'
        '| extend percent = 100.0 * failed / total'
        '| where percent > ${serverErrorPercent}'
      ],
      '\n'
    )
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'relay-storage-unavailable'
    severity: 1
    description: 'More than ${storageUnavailableAnswers} requests answered 503 in 15 minutes because Table storage did not answer or failed (relay.storage.unavailable; cause breaker_open: answered at once while storage is known to be down). Check the storage account\'s health and the app identity\'s Storage Table Data Contributor role.'
    query: join(
      [
        'customMetrics'
        '| where name == "relay.storage.unavailable"'
        '| summarize answers = sum(valueSum)'
        '| where answers > ${storageUnavailableAnswers}'
      ],
      '\n'
    )
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'relay-unhandled-failures'
    severity: 2
    description: 'More than ${unhandledFailures} unhandled failures in 15 minutes (event 1501, each answered 500): a bug. The trace\'s exception names the cause.'
    query: join(
      [
        'traces'
        '| where tostring(customDimensions.EventId) == "1501"'
        '| summarize failures = count()'
        '| where failures > ${unhandledFailures}'
      ],
      '\n'
    )
    windowSize: 'PT15M'
    evaluationFrequency: 'PT5M'
  }
  {
    name: 'relay-429-rate'
    severity: 3
    description: 'More than ${throttledPercent}% of requests refused with 429 by a per-client limit (relay.requests.refused by rate_limit.* and concurrency.client): a client is hammering the relay, or the limits (RateLimiting__*) are too tight for real traffic.'
    query: join(
      [
        'let limited = toscalar(customMetrics'
        '    | where name == "relay.requests.refused"'
        '    | where tostring(customDimensions["relay.refusal.reason"]) in ("rate_limit.create", "rate_limit.create_with_token", "rate_limit.write", "rate_limit.read", "concurrency.client")'
        '    | summarize sum(valueSum));'
        'requests'
        '| summarize total = sum(itemCount)'
        '| extend limited = coalesce(limited, 0.0)'
        '| where total > 20'
        '| extend percent = 100.0 * limited / total'
        '| where percent > ${throttledPercent}'
      ],
      '\n'
    )
    windowSize: 'PT15M'
    evaluationFrequency: 'PT15M'
  }
  {
    name: 'relay-instance-busy'
    severity: 2
    description: 'More than ${instanceBusyRefusals} requests in 15 minutes refused because an instance already served RateLimiting__MaxConcurrentRequests at once (relay.requests.refused, reason concurrency.instance): it refuses every client, not one. The app is at its scale-out limit, or the ceiling is below what an instance handles: raise maximumInstanceCount (MAXIMUM_INSTANCE_COUNT, docs/operations.md "Scaling") or the setting.'
    query: join(
      [
        'customMetrics'
        '| where name == "relay.requests.refused"'
        '| where tostring(customDimensions["relay.refusal.reason"]) == "concurrency.instance"'
        '| summarize refused = sum(valueSum)'
        '| where refused > ${instanceBusyRefusals}'
      ],
      '\n'
    )
    windowSize: 'PT15M'
    evaluationFrequency: 'PT15M'
  }
  {
    name: 'relay-purge-backlog'
    severity: 2
    description: 'At least ${purgeOutOfTimeRuns} purge runs in 30 minutes, and every one stopped at its time budget (relay.purge.runs, outcome out_of_time; none complete): expired mailboxes come in faster than a run empties them. Raise Purge__TimeBudget (keeping it below the schedule\'s interval) or run the purge more often (PurgeSchedule).'
    query: join(
      [
        'customMetrics'
        '| where name == "relay.purge.runs"'
        '| extend outcome = tostring(customDimensions["relay.purge.outcome"])'
        '| summarize outOfTime = sumif(valueSum, outcome == "out_of_time"), complete = sumif(valueSum, outcome == "complete")'
        '| where outOfTime >= ${purgeOutOfTimeRuns} and complete == 0'
      ],
      '\n'
    )
    windowSize: 'PT30M'
    evaluationFrequency: 'PT15M'
  }
  {
    name: 'relay-purge-stalled'
    severity: 2
    description: 'No purge run recorded in an hour (relay.purge.runs): the timer function is not running (a PurgeSchedule that does not resolve leaves it in error silently), or the app sends no telemetry. Expired mailboxes are not emptied meanwhile.'
    query: join(
      [
        'customMetrics'
        '| where name == "relay.purge.runs"'
        '| summarize runs = sum(valueSum)'
        '| where coalesce(runs, 0.0) == 0'
      ],
      '\n'
    )
    windowSize: 'PT1H'
    evaluationFrequency: 'PT15M'
  }
  {
    name: 'relay-push-failures'
    severity: 2
    description: 'More than ${pushFailures} push attempts not delivered in 15 minutes (relay.pushes, outcome refused by Notification Hubs, or failed: the outbox tries again): check the hub\'s platform credentials, quota and health (docs/operations.md, "Pushes").'
    query: join(
      [
        'customMetrics'
        '| where name == "relay.pushes"'
        '| where tostring(customDimensions["relay.push.outcome"]) in ("refused", "failed")'
        '| summarize failures = sum(valueSum)'
        '| where failures > ${pushFailures}'
      ],
      '\n'
    )
    windowSize: 'PT15M'
    evaluationFrequency: 'PT15M'
  }
  {
    name: 'relay-push-backlog'
    severity: 2
    description: 'The oldest pending push is more than ${pushBacklogSeconds} s old (relay.push.oldest_pending_age, reported by the retry timer): the hub has not taken it through every retry. Devices of those shares wait. Check the hub (throttling, an incident, credentials) and the relay-push-failures alert; the outbox delivers within a minute of the hub\'s recovery (docs/operations.md, "Pushes").'
    query: join(
      [
        'customMetrics'
        '| where name == "relay.push.oldest_pending_age"'
        '| summarize oldest = max(valueMax)'
        '| where oldest > ${pushBacklogSeconds}'
      ],
      '\n'
    )
    windowSize: 'PT15M'
    evaluationFrequency: 'PT15M'
  }
  {
    name: 'relay-pushes-off'
    severity: 2
    description: 'An instance started with pushes off (event 1003: the NotificationHubs__ConnectionString Key Vault reference did not resolve; event 1002: the setting is missing). Mailboxes work, devices are not notified. Check the app identity\'s Key Vault Secrets User role and the notification-hubs-connection-string secret, then restart the app.'
    query: join(
      [
        'traces'
        '| where tostring(customDimensions.EventId) in ("1002", "1003")'
        '| summarize starts = count()'
        '| where starts > 0'
      ],
      '\n'
    )
    windowSize: 'PT1H'
    evaluationFrequency: 'PT15M'
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
      evaluationFrequency: rule.evaluationFrequency
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

// Budget notifications by threshold; none without an address (the budget then shows in Cost Management only).
var budgetNotifications = {
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

resource budget 'Microsoft.Consumption/budgets@2023-11-01' = if (budgetAmount > 0) {
  name: 'relay-monthly'
  properties: {
    category: 'Cost'
    amount: budgetAmount
    timeGrain: 'Monthly'
    timePeriod: {
      startDate: budgetStartDate
    }
    notifications: empty(alertEmail) ? {} : budgetNotifications
  }
}
