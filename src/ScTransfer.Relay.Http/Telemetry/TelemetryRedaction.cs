using System.Diagnostics;
using System.Text.RegularExpressions;
using OpenTelemetry;
using OpenTelemetry.Logs;

namespace ScTransfer.Relay.Http.Telemetry;

/// <summary>
/// Keeps mailbox identifiers, and anything shaped like one, out of everything the relay exports (draft §8, §8.2); the
/// SDK's and storage's random request ids stay (docs/operations.md, "Traces").
/// </summary>
internal static partial class TelemetryRedaction
{
    public const string Placeholder = "{id}";

    /// <summary>Attributes that hold ids the SDK or the service generated for one request: random, never a mailbox's.</summary>
    private static readonly HashSet<string> GeneratedIds = new(StringComparer.Ordinal)
    {
        "az.client_request_id", "az.service_request_id", "requestId", "serviceRequestId", "faas.invocation_id", "faas.execution",
    };

    /// <summary>The text with every mailbox path segment, row key and UUID replaced by <see cref="Placeholder"/>.</summary>
    public static string Redact(string text) =>
        text.Length < 7 ? text : Uuid().Replace(RowKey().Replace(MailboxPath().Replace(text, "${prefix}" + Placeholder), "${prefix}" + Placeholder), Placeholder);

    /// <summary>A UUID in any case, with dashes or as 32 hexadecimal digits, braces or not.</summary>
    [GeneratedRegex("[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}", RegexOptions.CultureInvariant)]
    private static partial Regex Uuid();

    /// <summary>
    /// Whatever follows <c>/v1/m/</c> up to the next delimiter: a mailbox identifier, or what a client sent in its place.
    /// A route template's parameter (<c>{mailboxIdentifier}</c>) is not a value and stays.
    /// </summary>
    [GeneratedRegex("(?<prefix>/v1/m/)(?!\\{[A-Za-z]+\\}(?:$|[/?#\\s\"']))[^/?#\\s\"']+", RegexOptions.CultureInvariant)]
    private static partial Regex MailboxPath();

    /// <summary>A Table storage row key in a URL, as the SDK spells it (quoted, possibly percent-encoded).</summary>
    [GeneratedRegex("(?<prefix>RowKey(=|%3D)('|%27))[^'%]+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex RowKey();

    /// <summary>
    /// Redacts a span's name and string attributes when it ends, before any exporter sees it. An HttpClient span inside
    /// an Azure SDK call is not recorded: the SDK's own HTTP span (<c>Azure.Core.Http</c>) already is that request.
    /// </summary>
    internal sealed class Spans : BaseProcessor<Activity>
    {
        public override void OnStart(Activity data)
        {
            if (data.Source.Name == "System.Net.Http" && data.Parent?.Source.Name == "Azure.Core.Http")
            {
                data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                data.IsAllDataRequested = false;
            }
        }

        public override void OnEnd(Activity data)
        {
            // Nor is the worker's own gRPC stream to the Functions host: one span as long as the process.
            if (data.Source.Name == "System.Net.Http"
                && (data.GetTagItem("url.full") as string)?.Contains("/AzureFunctionsRpcMessages.FunctionRpc/", StringComparison.Ordinal) == true)
            {
                data.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
                return;
            }

            data.DisplayName = Redact(data.DisplayName);
            List<(string Key, string Value)>? changed = null;
            foreach (var tag in data.TagObjects)
            {
                if (tag.Value is string value && !GeneratedIds.Contains(tag.Key) && Redact(value) is var redacted && redacted != value)
                {
                    (changed ??= []).Add((tag.Key, redacted));
                }
            }

            foreach (var (key, value) in changed ?? [])
            {
                data.SetTag(key, value);
            }

            if (data.Status == ActivityStatusCode.Error && data.StatusDescription is { } description)
            {
                data.SetStatus(ActivityStatusCode.Error, Redact(description));
            }
        }
    }

    /// <summary>Redacts a log record's message, body and string attributes before any exporter sees it.</summary>
    internal sealed class Logs : BaseProcessor<LogRecord>
    {
        public override void OnEnd(LogRecord data)
        {
            if (data.FormattedMessage is { } message)
            {
                data.FormattedMessage = Redact(message);
            }

            if (data.Body is { } body)
            {
                data.Body = Redact(body);
            }

            if (data.Attributes is { Count: > 0 } attributes && attributes.Any(a => a.Value is string s && Redact(s) != s))
            {
                data.Attributes = [.. attributes.Select(a => a.Value is string s ? new KeyValuePair<string, object?>(a.Key, Redact(s)) : a)];
            }

            // An exception goes out as its type, message and stack trace: the same rule for its words.
            if (data.Exception is { } exception and not RedactedException)
            {
                data.Exception = new RedactedException(exception);
            }
        }
    }

    /// <summary>An exception as exporters render it (type, message, stack trace), redacted; the original's type leads its message.</summary>
    internal sealed class RedactedException(Exception original)
        : Exception(Redact(original.GetType().FullName + ": " + original.Message))
    {
        private readonly string? _stackTrace = original.StackTrace is { } trace ? Redact(trace) : null;

        public override string? StackTrace => _stackTrace;

        public override string ToString() => Message + (original.InnerException is { } inner ? " ---> " + Redact(inner.ToString()) : "") + Environment.NewLine + StackTrace;
    }
}
