using System.Diagnostics.Metrics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// What the relay can emit, taken from the code rather than copied: every instrument of <see cref="RelayMetrics"/> with
/// the tags and tag values it records (each public method called with every value of its parameters, measured with a
/// <see cref="MeterListener"/>), and every id in <see cref="EventIds"/>.
/// </summary>
public sealed class TelemetryVocabulary
{
    private TelemetryVocabulary(IReadOnlyDictionary<string, Dictionary<string, HashSet<string>>> metrics, IReadOnlySet<string> eventIds)
    {
        Metrics = metrics;
        EventIds = eventIds;
    }

    public static TelemetryVocabulary Relay { get; } = Measure();

    /// <summary>Instrument name → tag key → the values recorded for it.</summary>
    public IReadOnlyDictionary<string, Dictionary<string, HashSet<string>>> Metrics { get; }

    /// <summary>Every event id, as the exporter writes it (customDimensions.EventId is a string).</summary>
    public IReadOnlySet<string> EventIds { get; }

    private static TelemetryVocabulary Measure()
    {
        var metrics = new Dictionary<string, Dictionary<string, HashSet<string>>>(StringComparer.Ordinal);
        using var factory = new Meters();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (factory.Created.Contains(instrument.Meter))
            {
                Assert.Equal(RelayMetrics.MeterName, instrument.Meter.Name);
                metrics.TryAdd(instrument.Name, new(StringComparer.Ordinal));
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                var values = metrics[instrument.Name];
                values.TryAdd(tag.Key, new(StringComparer.Ordinal));
                values[tag.Key].Add(Convert.ToString(tag.Value, CultureInfo.InvariantCulture)!);
            }
        });
        listener.Start();

        var relayMetrics = new RelayMetrics(factory);
        foreach (var method in typeof(RelayMetrics).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        {
            foreach (var arguments in Combinations(method.GetParameters().Select(p => Values(p.ParameterType)).ToList()))
            {
                method.Invoke(relayMetrics, arguments);
            }
        }

        var ids = typeof(EventIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(int))
            .Select(f => ((int)f.GetRawConstantValue()!).ToString(CultureInfo.InvariantCulture))
            .ToHashSet(StringComparer.Ordinal);

        // Each constant name of RelayMetrics is an instrument the listener saw: the reflection above reached them all.
        var declared = typeof(RelayMetrics).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && ((string)f.GetRawConstantValue()!).StartsWith("relay.", StringComparison.Ordinal) && !f.Name.EndsWith("Tag", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!);
        Assert.Equal(declared.Order(StringComparer.Ordinal), metrics.Keys.Order(StringComparer.Ordinal));
        return new TelemetryVocabulary(metrics, ids);
    }

    /// <summary>Every value a parameter of a RelayMetrics method can take, for the purpose of seeing its tags.</summary>
    private static object[] Values(Type type) => type switch
    {
        _ when type.IsEnum => Enum.GetValues(type).Cast<object>().ToArray(),
        _ when type == typeof(bool) => [false, true],
        _ when type == typeof(int) => [1, 2, 3, 4], // counts, and attempts (whose tag says 1, 2, 3 or 4+)
        _ when type == typeof(long) => [1L],
        _ when type == typeof(TimeSpan) => [TimeSpan.FromSeconds(1)],
        _ => throw new NotSupportedException($"RelayMetrics takes a {type}: teach {nameof(TelemetryVocabulary)} its values."),
    };

    private static IEnumerable<object[]> Combinations(IReadOnlyList<object[]> choices) => choices.Count == 0
        ? [[]]
        : Combinations(choices.Skip(1).ToList()).SelectMany(rest => choices[0].Select(first => (object[])[first, .. rest]));

    private sealed class Meters : IMeterFactory
    {
        public HashSet<Meter> Created { get; } = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            Created.Add(meter);
            return meter;
        }

        public void Dispose()
        {
            foreach (var meter in Created)
            {
                meter.Dispose();
            }
        }
    }
}

/// <summary>
/// What one KQL query (an alert rule's, a workbook chart's) reads, and what is wrong with it: a query may read the
/// relay's metrics by name and tag, its log events by id, and request telemetry fields; never a log message's text.
/// </summary>
public sealed partial record TelemetryQuery(string Text, IReadOnlyList<string> Metrics, IReadOnlyList<string> TagKeys, IReadOnlyList<string> EventIds, IReadOnlyList<string> Problems)
{
    private static readonly string[] Tables = ["customMetrics", "traces", "requests"];

    public static TelemetryQuery Parse(string text, TelemetryVocabulary vocabulary)
    {
        var problems = new List<string>();
        if (MessageColumn().IsMatch(text))
        {
            problems.Add("reads the message column (log text): filter traces by customDimensions.EventId instead");
        }

        foreach (Match m in TextOperator().Matches(text))
        {
            problems.Add($"matches text with '{m.Value}': compare ids, names and tags with == or in");
        }

        foreach (Match m in OtherTable().Matches(text))
        {
            problems.Add($"reads {m.Value}: only {string.Join(", ", Tables)} carry what the relay emits by name and id");
        }

        // Each read of traces is followed by a filter on the event id; each read of customMetrics by one on the name.
        var traces = Table("traces").Count(text);
        var filteredTraces = TracesByEventId().Matches(text);
        if (filteredTraces.Count < traces)
        {
            problems.Add("reads traces without filtering on customDimensions.EventId first: that would be log text");
        }

        var metricReads = Table("customMetrics").Count(text);
        var filteredMetrics = MetricsByName().Matches(text);
        if (filteredMetrics.Count < metricReads)
        {
            problems.Add("reads customMetrics without filtering on the metric name first");
        }

        var eventIds = filteredTraces.SelectMany(m => Literals(m.Groups["ids"].Value)).ToList();
        var metrics = filteredMetrics.SelectMany(m => Literals(m.Groups["names"].Value)).ToList();
        problems.AddRange(eventIds.Where(id => !vocabulary.EventIds.Contains(id)).Select(id => $"event id {id} is not in EventIds"));
        problems.AddRange(metrics.Where(name => !vocabulary.Metrics.ContainsKey(name)).Select(name => $"metric {name} is not a RelayMetrics instrument"));

        var known = metrics.Where(vocabulary.Metrics.ContainsKey).Select(name => vocabulary.Metrics[name]).ToList();
        var tagKeys = DimensionKey().Matches(text).Select(m => m.Groups["key"].Value).ToList();
        problems.AddRange(tagKeys.Where(key => !known.Any(tags => tags.ContainsKey(key)))
            .Select(key => $"customDimensions[\"{key}\"] is not a tag of {string.Join(", ", metrics)}"));
        foreach (Match m in DimensionDot().Matches(text))
        {
            if (m.Groups["key"].Value != "EventId")
            {
                problems.Add($"customDimensions.{m.Groups["key"].Value}: the relay's dimensions are its tags (customDimensions[\"...\"]) and EventId");
            }
        }

        // Every string the query compares with is a name, a tag, a tag value or an event id the relay emits (or an HTTP status).
        var allowed = metrics.Concat(tagKeys).Concat(eventIds)
            .Concat(known.SelectMany(tags => tags.Where(t => tagKeys.Contains(t.Key)).SelectMany(t => t.Value)))
            .ToHashSet(StringComparer.Ordinal);
        problems.AddRange(Literals(text).Where(literal => !allowed.Contains(literal) && !HttpStatus().IsMatch(literal))
            .Select(literal => $"compares with \"{literal}\", which is no metric name, tag, tag value or event id the relay emits"));

        return new TelemetryQuery(text, metrics, tagKeys, eventIds, problems);
    }

    /// <summary>The string literals of KQL: "...", '...' (verbatim @"..." too).</summary>
    private static IEnumerable<string> Literals(string text) => StringLiteral().Matches(text).Select(m => m.Groups["d"].Success ? m.Groups["d"].Value : m.Groups["s"].Value);

    private static Regex Table(string name) => new($@"(?<![\w.""'\[]){name}\b", RegexOptions.CultureInvariant);

    [GeneratedRegex(@"\bmessage\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MessageColumn();

    [GeneratedRegex(@"(?<![\w.])(?:!?has(?:_cs|prefix|suffix|_any|_all)?|!?contains(?:_cs)?|!?startswith(?:_cs)?|!?endswith(?:_cs)?|matches\s+regex|search|parse(?:-where|-kv)?|extract(?:_all)?|=~|!~|in~)(?![\w])", RegexOptions.CultureInvariant)]
    private static partial Regex TextOperator();

    [GeneratedRegex(@"(?<![\w.""'\[])(?:union|dependencies|exceptions|customEvents|pageViews|availabilityResults|browserTimings|App[A-Z]\w*|FunctionAppLogs|AzureDiagnostics)\b", RegexOptions.CultureInvariant)]
    private static partial Regex OtherTable();

    [GeneratedRegex(@"traces\s*\|\s*where\s+tostring\(customDimensions\.EventId\)\s*(?:==\s*(?<ids>""[^""]*"")|in\s*\((?<ids>[^)]*)\))", RegexOptions.CultureInvariant)]
    private static partial Regex TracesByEventId();

    [GeneratedRegex(@"customMetrics\s*\|\s*where\s+name\s*(?:==\s*(?<names>""[^""]*"")|in\s*\((?<names>[^)]*)\))", RegexOptions.CultureInvariant)]
    private static partial Regex MetricsByName();

    [GeneratedRegex(@"customDimensions\[""(?<key>[^""]*)""\]", RegexOptions.CultureInvariant)]
    private static partial Regex DimensionKey();

    [GeneratedRegex(@"customDimensions\.(?<key>\w+)", RegexOptions.CultureInvariant)]
    private static partial Regex DimensionDot();

    [GeneratedRegex(@"@?""(?<d>[^""]*)""|@?'(?<s>[^']*)'", RegexOptions.CultureInvariant)]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"^[1-5][0-9]{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex HttpStatus();
}
