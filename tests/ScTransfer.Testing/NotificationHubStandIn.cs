using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Web;

namespace ScTransfer.Testing;

/// <summary>
/// An in-process stand-in for Azure Notification Hubs direct send on a free loopback port. It records every request and
/// checks it the way the service would: the SAS signature recomputed from the key, the URL (<c>/{hub}/messages/</c>,
/// <c>direct</c>, <c>api-version</c>), the headers and the platform body for APNs (<c>apple</c>) and FCM v1 (<c>fcmv1</c>).
/// A request with problems is answered 401/400/404 as the hub would; otherwise 201, or what
/// <see cref="AnswerFor"/> says for that device handle (a status code, or hanging until disposed).
/// </summary>
/// <remarks>HttpListener rather than Kestrel: this shared project has no ASP.NET Core framework reference.</remarks>
public sealed class NotificationHubStandIn : IAsyncDisposable
{
    public const string DefaultKeyName = "DefaultFullSharedAccessSignature";

    /// <summary>Answer status that means: never answer (until the stand-in is disposed).</summary>
    public const int Hang = -1;

    private readonly HttpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentQueue<ReceivedPush> _received = new();
    private readonly ConcurrentDictionary<string, (int Status, TimeSpan? RetryAfter)> _answers = new(StringComparer.Ordinal);
    private readonly Task _loop;

    private NotificationHubStandIn(HttpListener listener, Uri baseAddress, string hubName, string keyName, string key)
    {
        _listener = listener;
        BaseAddress = baseAddress;
        HubName = hubName;
        KeyName = keyName;
        Key = key;
        _loop = LoopbackHttpListener.AcceptAsync(_listener, HandleAsync, _stopping.Token);
    }

    /// <summary>e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; }

    public string HubName { get; }

    public string KeyName { get; }

    public string Key { get; }

    /// <summary>A connection string for this stand-in (http endpoint, used as is).</summary>
    public string ConnectionString => $"Endpoint={BaseAddress};SharedAccessKeyName={KeyName};SharedAccessKey={Key}";

    /// <summary>The resource URI a valid SAS token is signed for.</summary>
    public string ResourceUri => BaseAddress.AbsoluteUri + HubName;

    /// <summary>Every request so far, in arrival order (recorded on arrival, before it is answered).</summary>
    public IReadOnlyList<ReceivedPush> Received => [.. _received];

    public static NotificationHubStandIn Start(string hubName = "sct-relay-hub", string keyName = DefaultKeyName, string? key = null)
    {
        key ??= Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var listener = LoopbackHttpListener.Start(out var baseAddress);
        return new NotificationHubStandIn(listener, baseAddress, hubName, keyName, key);
    }

    /// <summary>
    /// How to answer pushes to this device handle: an HTTP status (with a <c>Retry-After</c> in seconds when given), or
    /// <see cref="Hang"/>.
    /// </summary>
    public void AnswerFor(string deviceHandle, int status, TimeSpan? retryAfter = null) => _answers[deviceHandle] = (status, retryAfter);

    /// <summary>The pushes for one device handle that were answered 2xx: delivered, as far as the relay can know.</summary>
    public IReadOnlyList<ReceivedPush> DeliveredFor(string deviceHandle) =>
        [.. _received.Where(push => push.DeviceHandle == deviceHandle && push.Status is >= 200 and < 300)];

    /// <summary>The requests for one device handle so far.</summary>
    public IReadOnlyList<ReceivedPush> ReceivedFor(string deviceHandle) =>
        [.. _received.Where(push => push.DeviceHandle == deviceHandle)];

    /// <summary>Waits until at least <paramref name="count"/> requests for the device handle arrived; returns them all.</summary>
    public async Task<IReadOnlyList<ReceivedPush>> WaitForAsync(string deviceHandle, int count = 1, TimeSpan? timeout = null)
    {
        await Timeouts.WaitUntilAsync(
            () => ReceivedFor(deviceHandle).Count >= count, timeout ?? TimeSpan.FromSeconds(15),
            () => $"expected {count} push(es) to the device handle, received {ReceivedFor(deviceHandle).Count}");
        return ReceivedFor(deviceHandle);
    }

    /// <summary>
    /// Sends one push of its own through <paramref name="relay"/> (a mailbox created, bound and updated) and waits for it.
    /// The relay starts an update's push before it answers the update, so the push of any request answered before this
    /// one has arrived by then: a count taken afterwards is final, with no pause to wait for strays.
    /// </summary>
    public async Task PushThroughAsync(RelayClient relay)
    {
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var handle = "through-" + Guid.NewGuid().ToString("N");
        using (var created = await relay.CreateAsync(RelayClient.CreateBody(id, token: RelayClient.Token("com.apple.apns", handle)), sender, RelayClient.NewId()))
        {
            created.EnsureSuccessStatusCode();
        }

        using (var read = await relay.ReadAsync(id, receiver))
        {
            read.EnsureSuccessStatusCode();
        }

        using (var update = await relay.UpdateAsync(id, RelayClient.UpdateBody(), receiver, RelayClient.NewId()))
        {
            update.EnsureSuccessStatusCode();
        }

        await WaitForAsync(handle);
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        string body;
        using (var reader = new StreamReader(request.InputStream, Encoding.UTF8))
        {
            body = await reader.ReadToEndAsync();
        }

        var headers = request.Headers.AllKeys.Where(name => name is not null)
            .ToDictionary(name => name!, name => request.Headers[name] ?? "", StringComparer.OrdinalIgnoreCase);
        var push = Inspect(request.HttpMethod, request.RawUrl ?? "", headers, body);
        var status = push.Status;
        TimeSpan? retryAfter = null;
        if (status == 201 && _answers.TryGetValue(push.DeviceHandle, out var configured))
        {
            (status, retryAfter) = configured;
        }

        _received.Enqueue(push with { Status = status }); // what it was answered (Hang: never)

        try
        {
            if (status == Hang)
            {
                await Task.Delay(Timeout.Infinite, _stopping.Token);
            }

            context.Response.StatusCode = status;
            if (retryAfter is { } after)
            {
                context.Response.Headers["Retry-After"] = ((int)after.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            }

            context.Response.Close();
        }
        catch (Exception)
        {
            context.Response.Abort(); // stopping, or the client gave up
        }
    }

    private ReceivedPush Inspect(string method, string rawUrl, Dictionary<string, string> headers, string body)
    {
        var problems = new List<string>();
        var status = 201;
        void Problem(int code, string what)
        {
            problems.Add(what);
            status = status == 201 ? code : status;
        }

        var question = rawUrl.IndexOf('?', StringComparison.Ordinal);
        var path = question < 0 ? rawUrl : rawUrl[..question];
        var query = question < 0 ? "" : rawUrl[(question + 1)..];
        if (method != "POST")
        {
            Problem(405, $"method {method}, expected POST");
        }

        if (path != $"/{HubName}/messages/")
        {
            Problem(404, $"path {path}, expected /{HubName}/messages/");
        }

        var parameters = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : null, StringComparer.Ordinal);
        if (!parameters.TryGetValue("direct", out var direct) || direct is not (null or ""))
        {
            Problem(400, "query has no bare 'direct' flag");
        }

        if (!parameters.TryGetValue("api-version", out var apiVersion) || apiVersion is null
            || !DateOnly.TryParseExact(apiVersion + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var version)
            || version < new DateOnly(2015, 4, 1))
        {
            Problem(400, $"api-version '{apiVersion}' missing or older than 2015-04");
        }

        CheckSignature(headers.GetValueOrDefault("Authorization"), Problem);

        if (headers.GetValueOrDefault("x-ms-version") != "2015-04")
        {
            Problem(400, "x-ms-version is not 2015-04");
        }

        var contentType = headers.GetValueOrDefault("Content-Type")?.Replace(" ", "", StringComparison.Ordinal);
        if (!string.Equals(contentType, "application/json;charset=utf-8", StringComparison.OrdinalIgnoreCase))
        {
            Problem(400, $"Content-Type '{contentType}', expected application/json;charset=utf-8");
        }

        var deviceHandle = headers.GetValueOrDefault("ServiceBusNotification-DeviceHandle") ?? "";
        if (deviceHandle.Length == 0)
        {
            Problem(400, "no ServiceBusNotification-DeviceHandle");
        }

        var format = headers.GetValueOrDefault("ServiceBusNotification-Format") ?? "";
        switch (format)
        {
            case "apple":
                CheckApple(headers, body, Problem);
                break;
            case "fcmv1":
                CheckFirebaseV1(body, Problem);
                break;
            default:
                Problem(400, $"ServiceBusNotification-Format '{format}' is neither apple nor fcmv1");
                break;
        }

        return new ReceivedPush(DateTimeOffset.UtcNow, method, path, query, headers, body, format, deviceHandle, status, problems);
    }

    private void CheckSignature(string? authorization, Action<int, string> problem)
    {
        const string Scheme = "SharedAccessSignature ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.Ordinal))
        {
            problem(401, "Authorization is not a SharedAccessSignature");
            return;
        }

        var fields = authorization[Scheme.Length..].Split('&')
            .Select(f => f.Split('=', 2))
            .Where(f => f.Length == 2)
            .ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
        if (!fields.TryGetValue("sr", out var sr) || !fields.TryGetValue("sig", out var sig)
            || !fields.TryGetValue("se", out var se) || !fields.TryGetValue("skn", out var skn))
        {
            problem(401, "SAS token lacks one of sr, sig, se, skn");
            return;
        }

        if (!string.Equals(HttpUtility.UrlDecode(sr), ResourceUri, StringComparison.OrdinalIgnoreCase))
        {
            problem(401, $"SAS sr is for {HttpUtility.UrlDecode(sr)}, not {ResourceUri}");
        }

        if (HttpUtility.UrlDecode(skn) != KeyName)
        {
            problem(401, "SAS skn is not the key's name");
        }

        if (!long.TryParse(se, NumberStyles.None, CultureInfo.InvariantCulture, out var expiry)
            || expiry <= DateTimeOffset.UtcNow.ToUnixTimeSeconds() || expiry > DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeSeconds())
        {
            problem(401, "SAS se is not an expiry within the next day");
        }

        // The service signs the encoded resource URI as it appears in the token.
        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(sr + "\n" + se));
        byte[] actual;
        try
        {
            actual = Convert.FromBase64String(HttpUtility.UrlDecode(sig));
        }
        catch (FormatException)
        {
            actual = [];
        }

        if (!CryptographicOperations.FixedTimeEquals(expected, actual))
        {
            problem(401, "SAS signature does not verify with the key");
        }
    }

    private static void CheckApple(Dictionary<string, string> headers, string body, Action<int, string> problem)
    {
        if (headers.GetValueOrDefault("apns-push-type") != "background")
        {
            problem(400, "apns-push-type is not background");
        }

        if (headers.GetValueOrDefault("apns-priority") != "5")
        {
            problem(400, "apns-priority is not 5 (required for background pushes)");
        }

        if (ParseObject(body, problem) is not { } root)
        {
            return;
        }

        if (root.Count != 1 || root["aps"] is not JsonObject aps)
        {
            problem(400, "APNs body must be exactly {\"aps\":{...}}");
            return;
        }

        if (aps.Count != 1 || aps["content-available"]?.GetValueKind() != JsonValueKind.Number || aps["content-available"]!.GetValue<int>() != 1)
        {
            problem(400, "a silent APNs push carries only aps.content-available = 1 (no alert, badge or sound)");
        }
    }

    private static void CheckFirebaseV1(string body, Action<int, string> problem)
    {
        if (ParseObject(body, problem) is not { } root)
        {
            return;
        }

        if (root.Count != 1 || root["message"] is not JsonObject message)
        {
            problem(400, "an FCM v1 body is exactly {\"message\":{...}}");
            return;
        }

        if (message.ContainsKey("notification") || message["android"]?["notification"] is not null)
        {
            problem(400, "a data-only FCM message has no notification block");
        }

        if (message["data"] is not JsonObject data || data.Any(pair => pair.Value?.GetValueKind() != JsonValueKind.String))
        {
            problem(400, "FCM v1 data must be an object of string values");
        }
    }

    private static JsonObject? ParseObject(string body, Action<int, string> problem)
    {
        try
        {
            if (JsonNode.Parse(body) is JsonObject root)
            {
                return root;
            }
        }
        catch (JsonException)
        {
        }

        problem(400, "body is not a JSON object");
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await LoopbackHttpListener.StopAsync(_listener, _stopping, _loop);
    }
}

/// <summary>One request the stand-in received, what it answered, and what was wrong with it (empty when valid).</summary>
public sealed record ReceivedPush(
    DateTimeOffset At,
    string Method,
    string Path,
    string Query,
    IReadOnlyDictionary<string, string> Headers,
    string Body,
    string Format,
    string DeviceHandle,
    int Status,
    IReadOnlyList<string> Problems);
