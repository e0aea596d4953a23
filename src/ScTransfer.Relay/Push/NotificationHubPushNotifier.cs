using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Push;

/// <summary>
/// Pushes through Azure Notification Hubs direct send (no registrations or installations: the device's per-share token
/// goes straight through, so the hub keeps no record of devices, draft §8.2). One <see cref="SendAsync"/> is one delivery
/// attempt, retried by the HTTP client's resilience pipeline (<see cref="PushServiceCollectionExtensions"/>) for at most
/// <see cref="PushServiceCollectionExtensions.TotalTimeout"/>; whether and when to try again is
/// <see cref="PushOutbox"/>'s decision, from the stored record.
/// </summary>
internal sealed partial class NotificationHubPushNotifier : IPushNotifier
{
    private readonly IHttpClientFactory _clients;
    private readonly NotificationHubConnection _connection;
    private readonly SharedAccessTokenCache _tokens;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Failed attempts get one log line a minute, however many pushes wait on a hub that is down (the count says how many).</summary>
    private readonly LogThrottle _failures;
    private readonly IReadOnlySet<string> _reachable;

    public NotificationHubPushNotifier(
        IHttpClientFactory clients, IOptions<NotificationHubsOptions> options, TimeProvider time, ILogger<NotificationHubPushNotifier> logger)
    {
        _clients = clients;
        _connection = NotificationHubConnection.Parse(options.Value);
        _ = options.Value.TryGetReachableTokenTypes(out _reachable, out _); // validated at start-up
        _tokens = new SharedAccessTokenCache(_connection, time);
        _time = time;
        _logger = logger;
        _failures = new LogThrottle(time, TimeSpan.FromMinutes(1));
    }

    /// <summary>A type the relay has a message for, on a platform the hub holds credentials for (NotificationHubs:Platforms).</summary>
    public bool Supports(string tokenType) => NotificationHubMessage.For(tokenType) is not null && _reachable.Contains(tokenType);

    [SuppressMessage("Design", "CA1031:Do not catch general exception types",
        Justification = "A push is best effort after the write succeeded: no failure of it may reach the request; the outbox retries.")]
    public async Task<PushResult> SendAsync(NotificationToken token, CancellationToken cancellationToken)
    {
        if (NotificationHubMessage.For(token.Type) is not { } message)
        {
            LogUnsupported(_logger, token.Type);
            return new PushResult(PushDelivery.Refused);
        }

        try
        {
            var client = _clients.CreateClient(PushServiceCollectionExtensions.HttpClientName);
            using var request = message.CreateRequest(_connection, token.TokenData, _tokens.GetToken());
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                LogDelivered(_logger, token.Type, status);
                return new PushResult(PushDelivery.Delivered, status);
            }

            if (status >= 500 || status == 429)
            {
                if (_failures.Record(out var failures, out _))
                {
                    LogGaveUp(_logger, token.Type, status, failures);
                }

                return new PushResult(PushDelivery.Failed, status, RetryAfter(response));
            }

            // 400 bad handle or body, 401 bad SAS, 403 quota, 404 no hub, 413 too large: retrying would not help.
            LogRefused(_logger, token.Type, status);
            return new PushResult(PushDelivery.Refused, status);
        }
        catch (TimeoutRejectedException)
        {
            if (_failures.Record(out var failures, out _))
            {
                LogTimedOut(_logger, token.Type, PushServiceCollectionExtensions.TotalTimeout, failures);
            }

            return new PushResult(PushDelivery.Failed);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            // The exception's type and message only: neither carries the token or the SAS (those are headers).
            if (_failures.Record(out var failures, out _))
            {
                LogFailed(_logger, token.Type, exception.GetType().Name, exception.Message, failures);
            }

            return new PushResult(PushDelivery.Failed);
        }
    }

    /// <summary>The hub's <c>Retry-After</c> (seconds or an HTTP date), if it sent one.</summary>
    private TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - _time.GetUtcNow() is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
        _ => null,
    };

    [LoggerMessage(EventId = EventIds.PushAccepted, Level = LogLevel.Information, Message = "Push ({TokenType}) accepted by Notification Hubs: {StatusCode}.")]
    private static partial void LogDelivered(ILogger logger, string tokenType, int statusCode);

    [LoggerMessage(EventId = EventIds.PushRefused, Level = LogLevel.Warning, Message = "Push ({TokenType}) refused by Notification Hubs: {StatusCode}; not retried.")]
    private static partial void LogRefused(ILogger logger, string tokenType, int statusCode);

    [LoggerMessage(EventId = EventIds.PushGaveUp, Level = LogLevel.Warning,
        Message = "Push ({TokenType}) not delivered yet: Notification Hubs answered {StatusCode} after retries ({Failures} failed attempt(s) since the last such line; at most one a minute); the outbox tries again.")]
    private static partial void LogGaveUp(ILogger logger, string tokenType, int statusCode, long failures);

    [LoggerMessage(EventId = EventIds.PushTimedOut, Level = LogLevel.Warning,
        Message = "Push ({TokenType}) not delivered yet: Notification Hubs did not answer within {TotalTimeout} ({Failures} failed attempt(s) since the last such line; at most one a minute); the outbox tries again.")]
    private static partial void LogTimedOut(ILogger logger, string tokenType, TimeSpan totalTimeout, long failures);

    [LoggerMessage(EventId = EventIds.PushFailed, Level = LogLevel.Warning,
        Message = "Push ({TokenType}) not delivered yet: {ExceptionType}: {Reason} ({Failures} failed attempt(s) since the last such line; at most one a minute); the outbox tries again.")]
    private static partial void LogFailed(ILogger logger, string tokenType, string exceptionType, string reason, long failures);

    [LoggerMessage(EventId = EventIds.PushUnsupportedToken, Level = LogLevel.Warning, Message = "No push for token type {TokenType}: not supported.")]
    private static partial void LogUnsupported(ILogger logger, string tokenType);
}
