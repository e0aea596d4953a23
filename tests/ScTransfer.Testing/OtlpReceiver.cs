using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace ScTransfer.Testing;

/// <summary>
/// An OpenTelemetry collector stand-in: OTLP/HTTP with protobuf bodies (the exporter's default, <c>http/protobuf</c>) on
/// <c>/v1/traces</c>, <c>/v1/metrics</c> and <c>/v1/logs</c>. It keeps every export request as it came (<see cref="Raw"/>,
/// for byte-level searches) and decodes what the tests look at: spans (name, ids, parent, scope, string attributes),
/// metric names with their data points' attributes, and log records (body and attributes). The decoder follows the
/// field numbers of opentelemetry-proto (collector/*/v1 and trace/metrics/logs/common/v1), reading only what it needs.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private readonly ConcurrentQueue<(string Signal, byte[] Body)> _raw = new();
    private readonly ConcurrentQueue<OtlpSpan> _spans = new();
    private readonly ConcurrentQueue<OtlpMetric> _metrics = new();
    private readonly ConcurrentQueue<OtlpLog> _logs = new();

    private OtlpReceiver(HttpListener listener, Uri baseAddress)
    {
        _listener = listener;
        Endpoint = baseAddress;
        _loop = LoopbackHttpListener.AcceptAsync(_listener, ReceiveAsync, _stopping.Token);
    }

    /// <summary>The value of <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> for a relay that exports here.</summary>
    public Uri Endpoint { get; }

    /// <summary>The settings that make a relay export here, promptly (short export intervals).</summary>
    public IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Endpoint.AbsoluteUri.TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
    };

    /// <summary>Every export request's body, by signal ("traces", "metrics", "logs").</summary>
    public IReadOnlyCollection<(string Signal, byte[] Body)> Raw => _raw;

    public IReadOnlyCollection<OtlpSpan> Spans => _spans;

    public IReadOnlyCollection<OtlpMetric> Metrics => _metrics;

    public IReadOnlyCollection<OtlpLog> Logs => _logs;

    public static OtlpReceiver Start()
    {
        var listener = LoopbackHttpListener.Start(out var baseAddress);
        return new OtlpReceiver(listener, baseAddress);
    }

    /// <summary>Waits until <paramref name="condition"/> holds, or fails after <paramref name="timeout"/> with what arrived.</summary>
    public Task WaitForAsync(Func<OtlpReceiver, bool> condition, TimeSpan timeout, string what) =>
        Timeouts.WaitUntilAsync(
            () => condition(this), timeout,
            () => $"no {what}; received {_spans.Count} spans, {_metrics.Count} metric series, {_logs.Count} log records");

    private async Task ReceiveAsync(HttpListenerContext context)
    {
        try
        {
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body, _stopping.Token);
            var bytes = body.ToArray();
            var signal = context.Request.Url!.AbsolutePath.TrimEnd('/') switch
            {
                "/v1/traces" => "traces",
                "/v1/metrics" => "metrics",
                "/v1/logs" => "logs",
                _ => null,
            };
            if (signal is null)
            {
                context.Response.StatusCode = 404;
            }
            else
            {
                _raw.Enqueue((signal, bytes));
                Decode(signal, bytes);
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
            }

            context.Response.Close();
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
        }
        catch (HttpListenerException)
        {
        }
    }

    private void Decode(string signal, byte[] body)
    {
        // Export*ServiceRequest { 1: repeated Resource* } ; Resource* { 1: Resource, 2: repeated Scope* }
        foreach (var resource in Proto.Fields(body).Where(f => f.Number == 1))
        {
            foreach (var scoped in Proto.Fields(resource.Bytes).Where(f => f.Number == 2))
            {
                var scopeName = Proto.Fields(scoped.Bytes).Where(f => f.Number == 1).Select(f => Proto.String(f.Bytes, 1)).FirstOrDefault() ?? "";
                foreach (var item in Proto.Fields(scoped.Bytes).Where(f => f.Number == 2))
                {
                    switch (signal)
                    {
                        case "traces":
                            _spans.Enqueue(DecodeSpan(scopeName, item.Bytes));
                            break;
                        case "metrics":
                            foreach (var metric in DecodeMetric(scopeName, item.Bytes))
                            {
                                _metrics.Enqueue(metric);
                            }

                            break;
                        default:
                            _logs.Enqueue(DecodeLog(scopeName, item.Bytes));
                            break;
                    }
                }
            }
        }
    }

    // Span { 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes }
    private static OtlpSpan DecodeSpan(string scope, byte[] span)
    {
        var fields = Proto.Fields(span).ToList();
        return new OtlpSpan(
            scope,
            Proto.String(span, 5) ?? "",
            Hex(fields.FirstOrDefault(f => f.Number == 1).Bytes),
            Hex(fields.FirstOrDefault(f => f.Number == 2).Bytes),
            Hex(fields.FirstOrDefault(f => f.Number == 4).Bytes),
            (int)fields.FirstOrDefault(f => f.Number == 6).Varint,
            Attributes(fields.Where(f => f.Number == 9)));
    }

    // Metric { 1 name, 5 gauge, 7 sum, 9 histogram, 10 exponential histogram } ; each { 1: repeated data point } ;
    // NumberDataPoint { 4 as_double (fixed64), 6 as_int (sfixed64), 7 attributes } ; HistogramDataPoint { 9 attributes, 4 count }
    private static IEnumerable<OtlpMetric> DecodeMetric(string scope, byte[] metric)
    {
        var name = Proto.String(metric, 1) ?? "";
        foreach (var data in Proto.Fields(metric).Where(f => f.Number is 5 or 7 or 9 or 10))
        {
            foreach (var point in Proto.Fields(data.Bytes).Where(f => f.Number == 1))
            {
                var fields = Proto.Fields(point.Bytes).ToList();
                var attributes = Attributes(fields.Where(f => f.Number == (data.Number is 5 or 7 ? 7 : 9)));
                double value = data.Number is 5 or 7
                    ? fields.FirstOrDefault(f => f.Number == 6) is { Number: 6 } asInt ? (long)asInt.Fixed64 : BitConverter.UInt64BitsToDouble(fields.FirstOrDefault(f => f.Number == 4).Fixed64)
                    : fields.FirstOrDefault(f => f.Number == 4).Fixed64;
                yield return new OtlpMetric(scope, name, value, attributes);
            }
        }
    }

    // LogRecord { 5 body (AnyValue), 6 attributes, 3 severity_text }
    private static OtlpLog DecodeLog(string scope, byte[] record)
    {
        var fields = Proto.Fields(record).ToList();
        var body = fields.FirstOrDefault(f => f.Number == 5).Bytes is { Length: > 0 } any ? Proto.String(any, 1) ?? "" : "";
        return new OtlpLog(scope, body, Attributes(fields.Where(f => f.Number == 6)));
    }

    // KeyValue { 1 key, 2 AnyValue { 1 string, 2 bool, 3 int, 4 double } }
    private static Dictionary<string, string> Attributes(IEnumerable<Proto.Field> keyValues)
    {
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var keyValue in keyValues)
        {
            var key = Proto.String(keyValue.Bytes, 1) ?? "";
            var any = Proto.Fields(keyValue.Bytes).FirstOrDefault(f => f.Number == 2).Bytes ?? [];
            var value = Proto.Fields(any).FirstOrDefault();
            attributes[key] = value.Number switch
            {
                1 => Encoding.UTF8.GetString(value.Bytes),
                2 or 3 => value.Varint.ToString(System.Globalization.CultureInfo.InvariantCulture),
                4 => BitConverter.UInt64BitsToDouble(value.Fixed64).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "",
            };
        }

        return attributes;
    }

    private static string Hex(byte[]? bytes) => bytes is { Length: > 0 } ? Convert.ToHexStringLower(bytes) : "";

    public async ValueTask DisposeAsync() => await LoopbackHttpListener.StopAsync(_listener, _stopping, _loop);

    /// <summary>The protobuf wire format, as far as reading OTLP needs it.</summary>
    internal static class Proto
    {
        public readonly record struct Field(int Number, int WireType, ulong Varint, ulong Fixed64, byte[] Bytes);

        public static IEnumerable<Field> Fields(byte[] message)
        {
            var position = 0;
            while (position < message.Length)
            {
                var tag = ReadVarint(message, ref position);
                var number = (int)(tag >> 3);
                var wireType = (int)(tag & 7);
                switch (wireType)
                {
                    case 0:
                        yield return new Field(number, wireType, ReadVarint(message, ref position), 0, []);
                        break;
                    case 1:
                        yield return new Field(number, wireType, 0, BitConverter.ToUInt64(message, position), []);
                        position += 8;
                        break;
                    case 2:
                        var length = (int)ReadVarint(message, ref position);
                        yield return new Field(number, wireType, 0, 0, message[position..(position + length)]);
                        position += length;
                        break;
                    case 5:
                        yield return new Field(number, wireType, 0, BitConverter.ToUInt32(message, position), []);
                        position += 4;
                        break;
                    default:
                        throw new InvalidDataException($"Unsupported protobuf wire type {wireType} at {position}.");
                }
            }
        }

        /// <summary>The first string field <paramref name="number"/> of a message.</summary>
        public static string? String(byte[] message, int number) =>
            Fields(message).Where(f => f.Number == number && f.WireType == 2).Select(f => Encoding.UTF8.GetString(f.Bytes)).FirstOrDefault();

        private static ulong ReadVarint(byte[] message, ref int position)
        {
            ulong value = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = message[position++];
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    return value;
                }
            }
        }
    }
}

/// <summary>A span as exported: its instrumentation scope (the ActivitySource), name, ids and string attributes.</summary>
public sealed record OtlpSpan(string Scope, string Name, string TraceId, string SpanId, string ParentSpanId, int Kind, IReadOnlyDictionary<string, string> Attributes);

/// <summary>One data point of a metric: its meter (scope), instrument name, value and attributes (tags).</summary>
public sealed record OtlpMetric(string Scope, string Name, double Value, IReadOnlyDictionary<string, string> Attributes);

/// <summary>A log record: its category (scope), body and attributes.</summary>
public sealed record OtlpLog(string Scope, string Body, IReadOnlyDictionary<string, string> Attributes);
