using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;

namespace ScTransfer.Client;

/// <summary>
/// Sends one call of <see cref="MailboxClient"/> to the relay: a fresh Mailbox-Correlation-ID per call, reused by every
/// retry of it (network failures, 502/503/504, honouring Retry-After within <see cref="MailboxClientOptions.MaxRetryAfter"/>,
/// draft §5), the echo check, and each error status as a typed <see cref="RelayException"/>. Knows nothing of the
/// bodies it carries.
/// </summary>
internal sealed partial class RelayTransport(HttpClient http, Uri relay, MailboxClientOptions options, ILogger logger, TimeProvider time)
{
    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json") { CharSet = "utf-8" };

    private readonly HttpClient _http = http;
    private readonly Uri _relay = relay;
    private readonly MailboxClientOptions _options = options;
    private readonly ILogger _logger = logger;
    private readonly TimeProvider _time = time;

    public async Task<RelayResponse> SendAsync(HttpMethod method, string path, Guid? claim, JsonObject? body, CancellationToken cancellationToken)
    {
        // §5: one ID per call, reused by every retry of that call.
        var correlationId = Guid.NewGuid().ToString("D");
        var content = body is null ? null : JsonSerializer.SerializeToUtf8Bytes(body);
        var operation = method.Method + " " + (path.Length > "v1/m/".Length ? "v1/m/" + path["v1/m/".Length..][..8] + "…" : path);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(method, new Uri(_relay, path));
            request.Headers.TryAddWithoutValidation(MailboxClient.CorrelationIdHeader, correlationId);
            if (claim is { } c)
            {
                request.Headers.TryAddWithoutValidation(MailboxClient.DeviceClaimHeader, c.ToString("D"));
            }

            if (content is not null)
            {
                request.Content = new ByteArrayContent(content);
                request.Content.Headers.ContentType = JsonContentType;
            }

            TimeSpan? wait;
            try
            {
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
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
                    throw new RelayUnavailableException(_relay, correlationId, e);
                }

                wait = Backoff(attempt);
            }

            await Task.Delay(wait.Value, _time, cancellationToken).ConfigureAwait(false);
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

        var echoed = response.Headers.TryGetValues(MailboxClient.CorrelationIdHeader, out var values) ? values.FirstOrDefault() : null;
        if (!string.Equals(echoed, answer.CorrelationId, StringComparison.OrdinalIgnoreCase))
        {
            throw answer.Protocol("The relay's answer does not echo this request's Mailbox-Correlation-ID (draft §5): it answers another request.");
        }
    }

    public static void EnsureSuccess(RelayResponse response)
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

    // Only the method, an 8-character prefix of the mailbox id, the status and the correlation id: never a claim,
    // a token, a payload or the secret.
    [LoggerMessage(EventId = ClientEventIds.Answer, Level = LogLevel.Debug, Message = "{Operation} try {Attempt}: {Status} (Mailbox-Correlation-ID {CorrelationId})")]
    private partial void LogAnswer(string operation, int attempt, int status, string correlationId);

    [LoggerMessage(EventId = ClientEventIds.TransportFailure, Level = LogLevel.Warning, Message = "{Operation} try {Attempt} failed in transit ({Failure}); retrying with the same Mailbox-Correlation-ID {CorrelationId}")]
    private partial void LogTransportFailure(string operation, int attempt, string correlationId, string failure);
}

/// <summary>One answer of the relay, read whole.</summary>
internal sealed record RelayResponse(HttpStatusCode StatusCode, string Body, string? MediaType, int Attempts, string CorrelationId)
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
