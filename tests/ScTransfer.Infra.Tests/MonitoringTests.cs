using System.Text.Json.Nodes;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// The alert rules and the workbook in the compiled template read the relay's metrics by name and tag and its log
/// events by id, names the code emits (docs/operations.md, "Alerts" and "Workbook"); never the wording of a message.
/// </summary>
[Trait(Needs.Trait, Needs.Bicep)]
public sealed class MonitoringTests
{
    private static TelemetryVocabulary Vocabulary => TelemetryVocabulary.Relay;

    /// <summary>Every scheduled query rule of the compiled template, one per copy of a loop, with its values evaluated.</summary>
    private static IReadOnlyList<AlertRule> AlertRules()
    {
        var rules = new List<AlertRule>();
        foreach (var resource in ArmTemplate.OfType("Microsoft.Insights/scheduledQueryRules"))
        {
            var parameters = ModuleParameters(resource.Module);
            var copies = resource.Body["copy"] is { } copy ? (int)(long)ArmExpression.Evaluate(copy["count"], resource.Template, parameters)! : 1;
            for (var i = 0; i < copies; i++)
            {
                string Value(JsonNode? node) => (string)ArmExpression.Evaluate(node, resource.Template, parameters, azure: null, copyIndex: resource.Body["copy"] is null ? null : i)!;
                var queries = resource.Properties["criteria"]!["allOf"]!.AsArray().Select(c => Value(c!["query"])).ToList();
                rules.Add(new AlertRule(Value(resource.Body["name"]), Value(resource.Properties["description"]), Value(resource.Properties["windowSize"]),
                    Value(resource.Properties["evaluationFrequency"]), Assert.Single(queries)));
            }
        }

        return rules;
    }

    /// <summary>A module's parameters as main passes them with its defaults, where they are known before deployment.</summary>
    private static Dictionary<string, JsonNode?> ModuleParameters(string module) =>
        ArmExpression.ModuleParameters(ArmTemplate.ModuleDeployment(module), Bicep.MainTemplate, ArmTemplate.MainParameters());

    [Fact]
    public void Every_alert_rule_reads_metrics_event_ids_or_request_fields_never_message_text()
    {
        var rules = AlertRules();

        Assert.NotEmpty(rules);
        foreach (var rule in rules)
        {
            var query = TelemetryQuery.Parse(rule.Query, Vocabulary);
            Assert.True(query.Problems.Count == 0, $"{rule.Name}:\n{rule.Query}\n- {string.Join("\n- ", query.Problems)}");
        }

        Assert.Equal(rules.Count, rules.Select(r => r.Name).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void The_check_refuses_message_text_unknown_names_and_traces_without_an_event_id()
    {
        // Guards the guard: the rule this replaced, and each way a query can drift from what the relay emits.
        string[] refused =
        [
            """traces | where message startswith "Push (" and (message has "not delivered" or message has "refused by Notification Hubs") | summarize failures = count()""",
            "traces | summarize lines = count()",
            """traces | where severityLevel == 3 | where tostring(customDimensions.EventId) == "1501" """,
            """traces | where tostring(customDimensions.EventId) == "9999" """,
            """traces | where tostring(customDimensions.EventId) == "1501" | where tostring(customDimensions.Path) contains "mailbox" """,
            """customMetrics | where name == "relay.transfers" | summarize sum(valueSum)""",
            """customMetrics | summarize sum(valueSum) by name""",
            """customMetrics | where name == "relay.pushes" | where tostring(customDimensions["relay.push.outcome"]) == "lost" """,
            """customMetrics | where name == "relay.pushes" | where tostring(customDimensions["relay.refusal.reason"]) == "size" """,
            """exceptions | where outerMessage =~ "timeout" """,
        ];
        foreach (var text in refused)
        {
            Assert.True(TelemetryQuery.Parse(text, Vocabulary).Problems.Count > 0, "not refused: " + text);
        }

        var accepted = TelemetryQuery.Parse(
            """customMetrics | where name == "relay.pushes" | where tostring(customDimensions["relay.push.outcome"]) in ("refused", "failed") | summarize sum(valueSum)""",
            Vocabulary);
        Assert.Empty(accepted.Problems);
        Assert.Equal([RelayMetrics.Pushes], accepted.Metrics);
        Assert.Equal([RelayMetrics.PushOutcomeTag], accepted.TagKeys);
    }

    [Fact]
    public void The_rules_watch_5xx_503s_unhandled_failures_429s_a_busy_instance_the_purge_and_pushes()
    {
        var rules = AlertRules().ToDictionary(r => r.Name, StringComparer.Ordinal);
        TelemetryQuery Query(string name) => TelemetryQuery.Parse(rules[name].Query, Vocabulary);

        Assert.Contains("toint(resultCode) >= 500 and toint(resultCode) != 503", rules["relay-5xx-rate"].Query, StringComparison.Ordinal);
        Assert.Equal([RelayMetrics.StorageUnavailable], Query("relay-storage-unavailable").Metrics);
        Assert.Equal([EventIds.UnhandledFailure.ToString(System.Globalization.CultureInfo.InvariantCulture)], Query("relay-unhandled-failures").EventIds);

        // 429s: the per-client limits only; the instance ceiling, which refuses everyone, has its own rule.
        var throttled = Query("relay-429-rate");
        Assert.Equal([RelayMetrics.RequestsRefused], throttled.Metrics);
        foreach (var reason in Enum.GetValues<RefusalReason>().Select(RelayMetrics.Name).Where(r => r.StartsWith("rate_limit.", StringComparison.Ordinal)))
        {
            Assert.Contains($"\"{reason}\"", throttled.Text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain($"\"{RelayMetrics.Name(RefusalReason.InstanceConcurrency)}\"", throttled.Text, StringComparison.Ordinal);
        Assert.Contains($"\"{RelayMetrics.Name(RefusalReason.InstanceConcurrency)}\"", rules["relay-instance-busy"].Query, StringComparison.Ordinal);

        // The purge: a run of out-of-time runs with none complete; and no run at all.
        var backlog = Query("relay-purge-backlog");
        Assert.Equal([RelayMetrics.PurgeRuns], backlog.Metrics);
        Assert.Contains("outcome == \"out_of_time\"", backlog.Text, StringComparison.Ordinal);
        Assert.Contains("where outOfTime >= 10 and complete == 0", backlog.Text, StringComparison.Ordinal);
        Assert.Contains("Purge__TimeBudget", rules["relay-purge-backlog"].Description, StringComparison.Ordinal);
        Assert.Equal([RelayMetrics.PurgeRuns], Query("relay-purge-stalled").Metrics);
        Assert.Equal("PT1H", rules["relay-purge-stalled"].WindowSize);

        // Pushes: those not delivered, by outcome; and instances that started with pushes off.
        var pushes = Query("relay-push-failures");
        Assert.Equal([RelayMetrics.Pushes], pushes.Metrics);
        Assert.Contains($"in (\"{RelayMetrics.Name(PushOutcome.Refused)}\", \"{RelayMetrics.Name(PushOutcome.Failed)}\")", pushes.Text, StringComparison.Ordinal);
        Assert.Equal(new[] { EventIds.PushOff, EventIds.PushKeyVaultUnresolved }.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), Query("relay-pushes-off").EventIds);
        // And the outbox: a push still pending long after its update (the hub has not taken it through every retry).
        var pending = Query("relay-push-backlog");
        Assert.Equal([RelayMetrics.OldestPendingPushAge], pending.Metrics);
        Assert.Contains("where oldest > 300", pending.Text, StringComparison.Ordinal);

        // What pages (users failing now) runs every 5 minutes; the rest every 15.
        Assert.Equal(["relay-5xx-rate", "relay-storage-unavailable", "relay-unhandled-failures"],
            rules.Values.Where(r => r.EvaluationFrequency == "PT5M").Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.All(rules.Values, r => Assert.True(System.Xml.XmlConvert.ToTimeSpan(r.WindowSize) >= System.Xml.XmlConvert.ToTimeSpan(r.EvaluationFrequency), r.Name));

        var alerts = ArmTemplate.OfType("Microsoft.Insights/scheduledQueryRules").Single();
        Assert.Contains("applicationInsightsName", alerts.Properties["scopes"]![0]!.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_workbook_is_deployed_by_azd_up_on_Application_Insights()
    {
        var workbook = ArmTemplate.One("Microsoft.Insights/workbooks");

        Assert.Null(ArmTemplate.ModuleDeployment(workbook.Module)["condition"]); // always, with every `azd up`
        Assert.Contains("applicationInsightsName", ArmTemplate.ModuleDeployment(workbook.Module)["properties"]!["parameters"]!.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal("shared", (string)workbook.Body["kind"]!);
        Assert.Equal("[resourceId('Microsoft.Insights/components', parameters('applicationInsightsName'))]", (string)workbook.Properties["sourceId"]!);

        var notebook = Notebook();
        Assert.Equal("Notebook/1.0", (string)notebook["version"]!);
        Assert.Equal(["/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/appi-test"],
            notebook["fallbackResourceIds"]!.AsArray().Select(id => (string)id!));
    }

    [Fact]
    public void Every_workbook_query_reads_only_metrics_and_event_ids_the_relay_emits()
    {
        var notebook = Notebook();
        var items = QueryItems(notebook).ToList();

        Assert.NotEmpty(items);
        var timeRanges = notebook["items"]!.AsArray().Where(i => (int)i!["type"]! == 9)
            .SelectMany(i => i!["content"]!["parameters"]!.AsArray()).Where(p => (int)p!["type"]! == 4).Select(p => (string)p!["name"]!);
        foreach (var item in items)
        {
            var content = item["content"]!;
            var query = TelemetryQuery.Parse((string)content["query"]!, Vocabulary);
            Assert.True(query.Problems.Count == 0, $"{item["name"]}:\n{query.Text}\n- {string.Join("\n- ", query.Problems)}");
            Assert.Contains((string)content["timeContextFromParameter"]!, timeRanges);
            Assert.Equal("microsoft.insights/components", (string)content["resourceType"]!);
        }
    }

    [Fact]
    public void The_workbook_charts_transfers_refusals_503s_pushes_and_the_purge()
    {
        var queries = QueryItems(Notebook()).Select(i => TelemetryQuery.Parse((string)i["content"]!["query"]!, Vocabulary)).ToList();

        bool Charts(IEnumerable<string> metrics, string? byTag = null) =>
            queries.Any(q => metrics.All(q.Metrics.Contains) && (byTag is null || q.TagKeys.Contains(byTag)));

        Assert.True(Charts([RelayMetrics.MailboxesCreated, RelayMetrics.ReceiversBound, RelayMetrics.MailboxesDeleted]), "transfers: created, bound, deleted");
        Assert.True(Charts([RelayMetrics.RequestsRefused], RelayMetrics.ReasonTag), "refusals by reason");
        Assert.True(Charts([RelayMetrics.StorageUnavailable]), "503s: storage unavailable");
        Assert.True(Charts([RelayMetrics.Pushes], RelayMetrics.PushOutcomeTag), "pushes by outcome");
        Assert.True(Charts([RelayMetrics.PurgeEntities], RelayMetrics.PurgeActionTag), "purge entities by action");
        Assert.True(Charts([RelayMetrics.PurgeRuns], RelayMetrics.PurgeOutcomeTag), "purge runs, out of time among them");

        // Every instrument the relay has is on the workbook somewhere.
        Assert.Empty(Vocabulary.Metrics.Keys.Except(queries.SelectMany(q => q.Metrics)));
    }

    /// <summary>The workbook's serializedData as the deployment would write it.</summary>
    private static JsonObject Notebook()
    {
        var workbook = ArmTemplate.One("Microsoft.Insights/workbooks");
        var parameters = ModuleParameters(workbook.Module);
        parameters["applicationInsightsName"] = "appi-test"; // a module output: known once deployed
        var azure = new ArmStandIn(_ => []);
        var serialized = (string)ArmExpression.Evaluate(workbook.Properties["serializedData"], workbook.Template, parameters, azure)!;
        return JsonNode.Parse(serialized)!.AsObject();
    }

    private static IEnumerable<JsonNode> QueryItems(JsonObject notebook) =>
        notebook["items"]!.AsArray().Select(i => i!).Where(i => (int)i["type"]! == 3);

    private sealed record AlertRule(string Name, string Description, string WindowSize, string EvaluationFrequency, string Query);
}
