using System.Net;
using System.Text;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// What an operator's collector receives (docs/operations.md): a relay started with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>
/// pointing at an OTLP receiver inside the test exports storage spans under the request's trace and the relay's
/// <c>relay.*</c> metrics, and nothing it exports (spans, metrics, logs) holds a mailbox identifier, a device claim, a
/// push token or a Correlation-ID, in any encoding.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class TelemetryExportTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan ExportWait = TimeSpan.FromSeconds(30);

    private readonly List<string> _secrets = [];
    private OtlpReceiver _collector = null!;
    private NotificationHubStandIn _hub = null!;
    private RelayHost _relayHost = null!;
    private RelayClient _relay = null!;

    public async Task InitializeAsync()
    {
        _collector = OtlpReceiver.Start();
        _hub = NotificationHubStandIn.Start();
        var settings = new Dictionary<string, string>(_collector.Settings)
        {
            ["NotificationHubs__ConnectionString"] = _hub.ConnectionString,
            ["NotificationHubs__HubName"] = _hub.HubName,
            // Limits on, with a create bucket small enough for this test to meet it.
            ["RateLimiting__Create__PermitLimit"] = "3",
            ["RateLimiting__Create__TokensPerPeriod"] = "1",
            ["RateLimiting__Create__ReplenishmentSeconds"] = "60",
            ["Push__MinIntervalSeconds"] = "0", // pushes both ways in a moment: the push budget is not under test here
            ["Logging__LogLevel__Default"] = "Debug",
        };
        _relayHost = await RelayHost.StartAsync(settings);
        _relay = new RelayClient(_relayHost.CreateClient());
    }

    public async Task DisposeAsync()
    {
        await _relayHost.DisposeAsync();
        await _hub.DisposeAsync();
        await _collector.DisposeAsync();
    }

    [Fact]
    public async Task Storage_spans_and_relay_metrics_reach_the_collector_and_nothing_identifying_does()
    {
        // A stateful transfer with pushes both ways, a stateless one, and a refusal (the fourth create: 429).
        await StatefulTransferAsync();
        await StatelessTransferAsync();
        await StatelessTransferAsync();
        using (var refused = await _relay.CreateAsync(RelayClient.CreateBody(Secret(RelayClient.NewId())), Secret(RelayClient.NewId()), Secret(CorrelationId())))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        try
        {
            // Everything the assertions below look for, so none searches before its batch has come. Spans are exported in the
            // order they end: the refused create's comes last, so every request's span is in once it is.
            await _collector.WaitForAsync(
                c => c.Spans.Count(s => s.Scope.StartsWith("Azure.Data.Tables", StringComparison.Ordinal) && s.Name != "TableClient.CreateIfNotExists") >= 20
                    && c.Spans.Any(s => s.Name == "TableClient.GetEntityIfExists") && c.Spans.Any(s => s.Name == "TableClient.UpdateEntity")
                    && c.Spans.Any(s => s.Kind == 2 && s.Attributes.GetValueOrDefault("http.response.status_code") == "404")
                    && c.Spans.Any(s => s.Kind == 2 && s.Attributes.GetValueOrDefault("http.response.status_code") == "429")
                    && Sum(RelayMetrics.MailboxesCreated) >= 3 && Sum(RelayMetrics.ReceiversBound) >= 3 && Sum(RelayMetrics.MailboxesUpdated) >= 2
                    && Sum(RelayMetrics.MailboxesDeleted) >= 3 && Sum(RelayMetrics.Pushes, (RelayMetrics.PushOutcomeTag, "accepted")) >= 2
                    && Sum(RelayMetrics.RequestsRefused, (RelayMetrics.ReasonTag, "rate_limit.create")) >= 1 && c.Logs.Count > 0,
                ExportWait,
                "storage spans, request spans, relay metrics and logs");
        }
        finally
        {
            Describe();
        }

        // Storage calls are dependencies (client spans) inside the request's trace: each under a parent span, in a trace
        // that also holds the request's own span (the runner's server span, or the worker's invocation).
        // Table creation at start-up is the only storage call outside a request.
        var requestTraces = _collector.Spans.Where(s => s.Kind == 2 || s.Scope.StartsWith("Microsoft.Azure.Functions.Worker", StringComparison.Ordinal))
            .Select(s => s.TraceId).ToHashSet();
        var storage = _collector.Spans.Where(s => s.Scope.StartsWith("Azure.Data.Tables", StringComparison.Ordinal) && s.Name != "TableClient.CreateIfNotExists").ToList();
        Assert.True(storage.Count >= 20, $"{storage.Count} storage spans");
        Assert.All(storage, s => Assert.True(s.ParentSpanId != "" && requestTraces.Contains(s.TraceId), $"{s.Name} outside a request's trace"));
        Assert.Contains(storage, s => s.Name == "TableClient.GetEntityIfExists");
        Assert.Contains(storage, s => s.Name == "TableClient.UpdateEntity");

        // Each request's span records the status the client got, the function's own answers included (the preview of a
        // deleted share, 404) as the pipeline's (the refused create, 429).
        var requests = _collector.Spans.Where(s => s.Kind == 2).ToList();
        Assert.Contains(requests, s => s.Attributes.GetValueOrDefault("http.response.status_code") == "404");
        Assert.Contains(requests, s => s.Attributes.GetValueOrDefault("http.response.status_code") == "429");

        Assert.True(Sum(RelayMetrics.MailboxesCreated) >= 3, "relay.mailboxes.created");
        Assert.True(Sum(RelayMetrics.ReceiversBound) >= 3, "relay.receivers.bound");
        Assert.True(Sum(RelayMetrics.MailboxesUpdated) >= 2, "relay.mailboxes.updated");
        Assert.True(Sum(RelayMetrics.MailboxesDeleted) >= 3, "relay.mailboxes.deleted");
        Assert.DoesNotContain(_collector.Spans, s => s.Scope == "System.Net.Http" && s.Attributes.GetValueOrDefault("server.port") == Azurite.TablePort.ToString()); // one span per storage request, the SDK's
        Assert.True(Sum(RelayMetrics.Pushes, (RelayMetrics.PushOutcomeTag, "accepted")) >= 2, "relay.pushes accepted");
        Assert.True(Sum(RelayMetrics.RequestsRefused, (RelayMetrics.ReasonTag, "rate_limit.create")) >= 1, "relay.requests.refused");

        // Not one secret, in any encoding, in any byte that left the relay for the collector.
        foreach (var (signal, body) in _collector.Raw)
        {
            foreach (var secret in _secrets)
            {
                Assert.False(Contains(body, secret, out var form), $"{signal} export holds {form} of a secret");
            }
        }
    }

    /// <summary>The newest cumulative value of each series of <paramref name="name"/> (matching <paramref name="tag"/>), summed.</summary>
    private double Sum(string name, (string Key, string Value)? tag = null) =>
        _collector.Metrics.Where(m => m.Name == name && (tag is not { } t || (m.Attributes.TryGetValue(t.Key, out var v) && v == t.Value)))
            .GroupBy(m => string.Join(",", m.Attributes)).Sum(series => series.Max(m => m.Value));

    private async Task StatefulTransferAsync()
    {
        var (id, sender, receiver) = (Secret(RelayClient.NewId()), Secret(RelayClient.NewId()), Secret(RelayClient.NewId()));
        var senderToken = Secret("apns-" + Guid.NewGuid().ToString("N"));
        var receiverToken = Secret("fcm-" + Guid.NewGuid().ToString("N"));
        await OkAsync(_relay.CreateAsync(RelayClient.CreateBody(id, token: RelayClient.Token("com.apple.apns", senderToken)), sender, Secret(CorrelationId())));
        await OkAsync(_relay.ReadAsync(id, receiver, Secret(CorrelationId())));
        await OkAsync(_relay.UpdateAsync(id, RelayClient.UpdateBody(token: RelayClient.Token("com.google.fcm", receiverToken)), receiver, Secret(CorrelationId())));
        await _hub.WaitForAsync(senderToken);
        await OkAsync(_relay.UpdateAsync(id, RelayClient.UpdateBody(token: RelayClient.Token("com.apple.apns", senderToken)), sender, Secret(CorrelationId())));
        await _hub.WaitForAsync(receiverToken);
        await OkAsync(_relay.DeleteAsync(id, sender, Secret(CorrelationId())));
    }

    private async Task StatelessTransferAsync()
    {
        var (id, sender, receiver) = (Secret(RelayClient.NewId()), Secret(RelayClient.NewId()), Secret(RelayClient.NewId()));
        await OkAsync(_relay.CreateAsync(RelayClient.CreateBody(id), sender, Secret(CorrelationId())));
        await OkAsync(_relay.PreviewAsync(id));
        await OkAsync(_relay.ReadAsync(id, receiver));
        await OkAsync(_relay.DeleteAsync(id, receiver, Secret(CorrelationId())));
        using var gone = await _relay.PreviewAsync(id);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    private static async Task OkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.RequestMessage?.Method} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>A Correlation-ID in a form that is not a UUID, so that no UUID-shaped scrubbing could hide a leak of it.</summary>
    private static string CorrelationId() => "req." + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));

    private string Secret(string value)
    {
        _secrets.Add(value);
        return value;
    }

    /// <summary>
    /// Whether <paramref name="body"/> holds <paramref name="secret"/> as text (any case), percent-encoded, as hex or base64
    /// of its UTF-8 bytes (at every alignment), or, for a UUID, as its 16 bytes in either order, their hex or base64.
    /// </summary>
    private static bool Contains(byte[] body, string secret, out string form)
    {
        var text = Encoding.Latin1.GetString(body);
        var forms = new List<(string Name, string Text)>
        {
            ("the text", secret),
            ("the percent-encoded text", Uri.EscapeDataString(secret)),
            ("the hex of the text", Convert.ToHexString(Encoding.UTF8.GetBytes(secret))),
        };
        var binaries = new List<(string Name, byte[] Bytes)> { ("the UTF-8 text", Encoding.UTF8.GetBytes(secret)) };
        if (Guid.TryParse(secret, out var uuid))
        {
            forms.Add(("the 32 hex digits", uuid.ToString("N")));
            binaries.Add(("the 16 bytes", uuid.ToByteArray()));
            binaries.Add(("the 16 bytes, big-endian", uuid.ToByteArray(bigEndian: true)));
            forms.Add(("the hex of the bytes", Convert.ToHexString(uuid.ToByteArray(bigEndian: true))));
        }

        foreach (var (name, bytes) in binaries.ToList())
        {
            foreach (var base64 in Base64Cores(bytes))
            {
                forms.Add(("base64 of " + name, base64));
                forms.Add(("base64url of " + name, base64.Replace('+', '-').Replace('/', '_')));
            }
        }

        foreach (var (name, candidate) in forms)
        {
            if (candidate.Length >= 8 && text.Contains(candidate, StringComparison.OrdinalIgnoreCase) && (name.StartsWith("base64", StringComparison.Ordinal) ? text.Contains(candidate, StringComparison.Ordinal) : true))
            {
                form = name;
                return true;
            }
        }

        foreach (var (name, bytes) in binaries)
        {
            if (body.AsSpan().IndexOf(bytes) >= 0)
            {
                form = name + " (raw)";
                return true;
            }
        }

        form = "";
        return false;
    }

    /// <summary>The base64 characters that <paramref name="bytes"/> determine whatever precedes or follows them, at each of the three alignments.</summary>
    private static IEnumerable<string> Base64Cores(byte[] bytes)
    {
        for (var shift = 0; shift < 3; shift++)
        {
            var encoded = Convert.ToBase64String([.. new byte[shift], .. bytes]);
            var start = shift == 0 ? 0 : 4;
            var end = encoded.Length - 4; // the last group may mix with what follows
            if (end - start >= 8)
            {
                yield return encoded[start..end];
            }
        }
    }

    private void Describe()
    {
        foreach (var scope in _collector.Spans.GroupBy(s => s.Scope))
        {
            output.WriteLine($"spans of {scope.Key}: {scope.Count()}, e.g. {scope.First().Name} (kind {scope.First().Kind}) [{string.Join(", ", scope.First().Attributes.Select(a => a.Key + "=" + a.Value))}]");
        }

        foreach (var metric in _collector.Metrics.Where(m => m.Name.StartsWith("relay.", StringComparison.Ordinal)).GroupBy(m => m.Name + " " + string.Join(",", m.Attributes)))
        {
            output.WriteLine($"metric {metric.Key} = {metric.Max(m => m.Value)}");
        }

        output.WriteLine($"log records: {_collector.Logs.Count}");
    }
}
