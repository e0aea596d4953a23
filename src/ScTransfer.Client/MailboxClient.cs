using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace ScTransfer.Client;

/// <summary>
/// The five calls of the draft (§6) against one relay, for either device. Every call carries a fresh
/// Mailbox-Correlation-ID and retries network failures and 502/503/504 with that same ID (§5), so the relay can
/// recognise a retry (201) instead of acting twice. Each error status becomes a typed <see cref="RelayException"/>.
/// Register with <c>services.AddScTransferClient(...)</c> or construct over any <see cref="HttpClient"/> whose
/// <see cref="HttpClient.BaseAddress"/> is the relay.
/// </summary>
public sealed partial class MailboxClient
{
    public const string CorrelationIdHeader = "Mailbox-Correlation-ID";
    public const string DeviceClaimHeader = "deviceClaim";

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _http;
    private readonly Uri _relay;
    private readonly MailboxClientOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    public MailboxClient(HttpClient http, IOptions<MailboxClientOptions>? options = null, ILogger<MailboxClient>? logger = null, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
        _options = options?.Value ?? new MailboxClientOptions();
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = time ?? TimeProvider.System;
        _relay = CheckRelayAddress(http.BaseAddress ?? _options.RelayBaseAddress
            ?? throw new ArgumentException("The HttpClient needs a BaseAddress: the relay's URL, e.g. https://relay.example/.", nameof(http)), _options);
    }

    /// <summary>The relay this client talks to (with a trailing slash).</summary>
    public Uri RelayBaseAddress => _relay;

    /// <summary>CreateMailbox (§6.1). A retried create the relay already did answers 201 with the same link.</summary>
    public async Task<CreatedMailbox> CreateAsync(Guid mailboxId, Guid senderClaim, DisplayInformation display, EncryptedPayload payload,
        MailboxConfiguration configuration, NotificationToken? notificationToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(display);
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(configuration);
        var body = new JsonObject
        {
            ["mailboxIdentifier"] = mailboxId.ToString("D"),
            ["displayInformation"] = DisplayJson(display),
            ["payload"] = PayloadJson(payload),
            ["mailboxConfiguration"] = new JsonObject
            {
                ["accessRights"] = configuration.AccessRights,
                ["timeToLive"] = ((long)configuration.TimeToLive.TotalSeconds).ToString(CultureInfo.InvariantCulture),
            },
        };
        if (notificationToken is not null)
        {
            body["notificationToken"] = TokenJson(notificationToken);
        }

        var response = await SendAsync(HttpMethod.Post, "v1/m", senderClaim, body, cancellationToken);
        EnsureSuccess(response);
        using var json = response.ParseJson();
        var root = json.RootElement;
        if (!root.TryGetProperty("urlLink", out var link) || link.ValueKind != JsonValueKind.String)
        {
            throw response.Protocol("The relay's CreateMailbox answer has no urlLink.");
        }

        var urlLink = ParseUrlLink(link.GetString()!, mailboxId, response);
        return new CreatedMailbox(urlLink, IsPushSupported(root));
    }

    /// <summary>ReadDisplayInformationFromMailbox (§6.4): the public OpenGraph preview. Sends no claim, binds nothing.</summary>
    public async Task<DisplayInformation> PreviewAsync(Guid mailboxId, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Get, MailboxPath(mailboxId), null, null, cancellationToken);
        EnsureSuccess(response);
        string? Meta(string property) => OpenGraphMeta().Matches(response.Body)
            .FirstOrDefault(m => m.Groups["property"].Value == property) is { } match
            ? WebUtility.HtmlDecode(match.Groups["content"].Value)
            : null;
        var image = Meta("image");
        return new DisplayInformation(Meta("title"), Meta("description"),
            Uri.TryCreate(image, UriKind.Absolute, out var imageUrl) ? imageUrl : null);
    }

    /// <summary>
    /// ReadSecureContentFromMailbox (§6.5). The first claim other than the sender's binds as the receiver; after that
    /// only the two bound claims may read.
    /// </summary>
    public async Task<MailboxContent> ReadAsync(Guid mailboxId, Guid claim, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Post, MailboxPath(mailboxId), claim, null, cancellationToken);
        EnsureSuccess(response);
        using var json = response.ParseJson();
        var root = json.RootElement;
        if (!root.TryGetProperty("payload", out var payload) || payload.ValueKind != JsonValueKind.Object
            || !payload.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String
            || !payload.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String)
        {
            throw response.Protocol("The relay's ReadSecureContent answer has no payload with type and data.");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(data.GetString()!);
        }
        catch (FormatException)
        {
            throw response.Protocol("The relay's payload data is not base64.");
        }

        DateTimeOffset? expiration = root.TryGetProperty("expiration", out var exp) && exp.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(exp.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
        return new MailboxContent(ReadDisplay(root), new EncryptedPayload(type.GetString()!, bytes), expiration);
    }

    /// <summary>
    /// UpdateMailbox (§6.2): overwrites the payload and leaves this device's push token (required). Needs W in the
    /// mailbox's access rights. Returns whether the relay can push to the other device.
    /// </summary>
    public async Task<bool> UpdateAsync(Guid mailboxId, Guid claim, EncryptedPayload payload, NotificationToken notificationToken,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(notificationToken);
        var body = new JsonObject { ["payload"] = PayloadJson(payload), ["notificationToken"] = TokenJson(notificationToken) };
        var response = await SendAsync(HttpMethod.Put, MailboxPath(mailboxId), claim, body, cancellationToken);
        EnsureSuccess(response);
        if (string.IsNullOrWhiteSpace(response.Body))
        {
            return false; // a 201 for a retried update need not repeat the answer
        }

        using var json = response.ParseJson();
        return IsPushSupported(json.RootElement);
    }

    /// <summary>
    /// DeleteMailbox (§6.3): the sender at any time, the bound receiver with D. A 404 after a retry means an earlier
    /// try already deleted it (§6.3.3), so it counts as success; a 404 on the first try is an error.
    /// </summary>
    public async Task DeleteAsync(Guid mailboxId, Guid claim, CancellationToken cancellationToken = default)
    {
        var response = await SendAsync(HttpMethod.Delete, MailboxPath(mailboxId), claim, null, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound && response.Attempts > 1)
        {
            return;
        }

        EnsureSuccess(response);
    }

    private static string MailboxPath(Guid mailboxId) => "v1/m/" + mailboxId.ToString("D");

    private async Task<RelayResponse> SendAsync(HttpMethod method, string path, Guid? claim, JsonObject? body, CancellationToken cancellationToken)
    {
        // §5: one ID per call, reused by every retry of that call.
        var correlationId = Guid.NewGuid().ToString("D");
        var content = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body);
        var operation = method.Method + " " + (path.Length > "v1/m/".Length ? "v1/m/" + path["v1/m/".Length..][..8] + "…" : path);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(_relay, path));
            request.Headers.TryAddWithoutValidation(CorrelationIdHeader, correlationId);
            if (claim is { } c)
            {
                request.Headers.TryAddWithoutValidation(DeviceClaimHeader, c.ToString("D"));
            }

            if (content is not null)
            {
                request.Content = new ByteArrayContent(content);
                request.Content.Headers.ContentType = JsonContentType;
            }

            TimeSpan? wait;
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
                var text = await response.Content.ReadAsStringAsync(cancellationToken);
                LogAnswer(operation, attempt, (int)response.StatusCode, correlationId);
                var answer = new RelayResponse(response.StatusCode, text, response.Content.Headers.ContentType?.MediaType, attempt, correlationId);
                if (response.StatusCode is not (HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout))
                {
                    CheckEcho(response, answer);
                    return answer;
                }

                wait = RetryAfter(response, attempt);
                if (attempt >= _options.MaxAttempts || wait is null)
                {
                    throw new RelayUnavailableException(response.StatusCode, answer.ProblemDetail(), correlationId);
                }
            }
            catch (Exception e) when (IsTransportFailure(e, cancellationToken))
            {
                LogTransportFailure(operation, attempt, correlationId, e.GetType().Name);
                if (attempt >= _options.MaxAttempts)
                {
                    throw new RelayUnavailableException(null, null, correlationId, e);
                }

                wait = Backoff(attempt);
            }

            await Task.Delay(wait.Value, _time, cancellationToken);
        }
    }

    private static bool IsTransportFailure(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested); // HttpClient.Timeout

    private TimeSpan Backoff(int attempt) => _options.RetryDelay * Math.Pow(2, attempt - 1);

    private TimeSpan? RetryAfter(HttpResponseMessage response, int attempt)
    {
        var retryAfter = response.Headers.RetryAfter;
        var wait = retryAfter?.Delta
            ?? (retryAfter?.Date is { } date ? date - _time.GetUtcNow() : (TimeSpan?)null)
            ?? Backoff(attempt);
        if (wait < TimeSpan.Zero)
        {
            wait = TimeSpan.Zero;
        }

        return wait <= _options.MaxRetryAfter ? wait : null;
    }

    /// <summary>§5: the originator matches the echoed Mailbox-Correlation-ID with the one it sent.</summary>
    private static void CheckEcho(HttpResponseMessage response, RelayResponse answer)
    {
        if (!answer.IsSuccess)
        {
            return; // errors may come from a proxy in front of the relay; their status still says enough
        }

        var echoed = response.Headers.TryGetValues(CorrelationIdHeader, out var values) ? values.FirstOrDefault() : null;
        if (!string.Equals(echoed, answer.CorrelationId, StringComparison.OrdinalIgnoreCase))
        {
            throw answer.Protocol("The relay's answer does not echo this request's Mailbox-Correlation-ID (draft §5): it answers another request.");
        }
    }

    private static void EnsureSuccess(RelayResponse response)
    {
        if (response.IsSuccess)
        {
            return;
        }

        var detail = response.ProblemDetail();
        throw response.StatusCode switch
        {
            HttpStatusCode.NotFound => new MailboxNotFoundException(detail, response.CorrelationId),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new MailboxAccessDeniedException(detail, response.CorrelationId),
            HttpStatusCode.RequestEntityTooLarge => new PayloadTooLargeException(detail, response.CorrelationId),
            >= HttpStatusCode.InternalServerError => new RelayUnavailableException(response.StatusCode, detail, response.CorrelationId),
            _ => new MailboxRequestRejectedException(response.StatusCode, detail, response.CorrelationId),
        };
    }

    private Uri ParseUrlLink(string text, Guid mailboxId, RelayResponse response)
    {
        // Figure 5 shows a link without a scheme; a relay is reached over https (§4).
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "https://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var link) || link.Scheme is not ("https" or "http") || link.Fragment.Length > 0
            || !Guid.TryParseExact(link.Segments[^1].TrimEnd('/'), "D", out var linked) || linked != mailboxId)
        {
            throw response.Protocol("The relay's urlLink is not an http(s) link to the mailbox this client created.");
        }

        if (link.Scheme == "http" && !link.IsLoopback && !_options.AllowInsecureHttp)
        {
            throw response.Protocol("The relay's urlLink is plain http; the draft requires https (§4). Fix the relay's public base URL.");
        }

        return link;
    }

    private static Uri CheckRelayAddress(Uri address, MailboxClientOptions options)
    {
        if (!address.IsAbsoluteUri || address.Scheme is not ("https" or "http"))
        {
            throw new ArgumentException("The relay address must be an absolute https:// URL.", nameof(address));
        }

        if (address.Scheme == "http" && !address.IsLoopback && !options.AllowInsecureHttp)
        {
            throw new ArgumentException(
                $"The relay {address.Host} is plain http; the draft requires https (§4). Only loopback relays may use http unless AllowInsecureHttp is set.",
                nameof(address));
        }

        return address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
    }

    private static bool IsPushSupported(JsonElement root) =>
        root.TryGetProperty("isPushNotificationSupported", out var push) && push.ValueKind == JsonValueKind.True;

    private static JsonObject DisplayJson(DisplayInformation display)
    {
        var json = new JsonObject();
        if (display.Title is not null)
        {
            json["title"] = display.Title;
        }

        if (display.Description is not null)
        {
            json["description"] = display.Description;
        }

        if (display.ImageUrl is not null)
        {
            json["imageURL"] = display.ImageUrl.AbsoluteUri; // §6.1.4's field list; Figure 4 spells it imageUrl
        }

        return json;
    }

    private static DisplayInformation ReadDisplay(JsonElement root)
    {
        if (!root.TryGetProperty("displayInformation", out var display) || display.ValueKind != JsonValueKind.Object)
        {
            return new DisplayInformation();
        }

        string? Field(string name) => display.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var image = Field("imageURL") ?? Field("imageUrl");
        return new DisplayInformation(Field("title"), Field("description"), Uri.TryCreate(image, UriKind.Absolute, out var url) ? url : null);
    }

    private static JsonObject PayloadJson(EncryptedPayload payload) =>
        new() { ["type"] = payload.Type, ["data"] = Convert.ToBase64String(payload.Data) };

    private static JsonObject TokenJson(NotificationToken token) =>
        new() { ["type"] = token.Type, ["tokenData"] = token.TokenData };

    [GeneratedRegex("""<meta\s+property="og:(?<property>title|description|image)"\s+content="(?<content>[^"]*)"\s*/?>""")]
    private static partial Regex OpenGraphMeta();

    // Only the method, an 8-character prefix of the mailbox id, the status and the correlation id: never a claim,
    // a token, a payload or the secret.
    [LoggerMessage(Level = LogLevel.Debug, Message = "{Operation} try {Attempt}: {Status} (Mailbox-Correlation-ID {CorrelationId})")]
    private partial void LogAnswer(string operation, int attempt, int status, string correlationId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} try {Attempt} failed in transit ({Failure}); retrying with the same Mailbox-Correlation-ID {CorrelationId}")]
    private partial void LogTransportFailure(string operation, int attempt, string correlationId, string failure);

    /// <summary>One answer, read whole.</summary>
    private sealed record RelayResponse(HttpStatusCode StatusCode, string Body, string? MediaType, int Attempts, string CorrelationId)
    {
        public bool IsSuccess => (int)StatusCode is >= 200 and < 300;

        public JsonDocument ParseJson()
        {
            try
            {
                return JsonDocument.Parse(Body);
            }
            catch (JsonException)
            {
                throw Protocol("The relay's answer is not the JSON the draft describes.");
            }
        }

        /// <summary>The problem+json <c>detail</c>, when the answer is one.</summary>
        public string? ProblemDetail()
        {
            if (MediaType is not ("application/problem+json" or "application/json"))
            {
                return null;
            }

            try
            {
                using var json = JsonDocument.Parse(Body);
                return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("detail", out var detail)
                    && detail.ValueKind == JsonValueKind.String ? detail.GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        public RelayProtocolException Protocol(string message) => new(message, StatusCode, CorrelationId);
    }
}
