using System.Collections.Concurrent;
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
/// goes straight through, so the hub keeps no record of devices, draft §8.2).
/// </summary>
/// <remarks>
/// Timing: <see cref="NotifyAsync"/> waits at most <see cref="ResponseBound"/> for the hub, so a slow hub never holds
/// the device's update response; the delivery carries on in the background, retried by the HTTP client's resilience
/// pipeline (<see cref="PushServiceCollectionExtensions"/>) until it succeeds, is refused (4xx) or runs out of
/// <see cref="PushServiceCollectionExtensions.TotalTimeout"/>. Failures are logged, never thrown.
/// </remarks>
internal sealed partial class NotificationHubPushNotifier : IPushNotifier, IAsyncDisposable
{
    /// <summary>The longest an update's response waits for its push.</summary>
    public static readonly TimeSpan ResponseBound = TimeSpan.FromSeconds(2);

    private readonly IHttpClientFactory _clients;
    private readonly NotificationHubConnection _connection;
    private readonly SharedAccessTokenCache _tokens;
    private readonly TimeProvider _time;
    private readonly RelayMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<Task, bool> _inFlight = new();
    private readonly IReadOnlySet<string> _reachable;

    public NotificationHubPushNotifier(
        IHttpClientFactory clients, IOptions<NotificationHubsOptions> options, TimeProvider time, RelayMetrics metrics, ILogger<NotificationHubPushNotifier> logger)
    {
        _metrics = metrics;
        _clients = clients;
        _connection = NotificationHubConnection.Parse(options.Value);
        _ = options.Value.TryGetReachableTokenTypes(out _reachable, out _); // validated at start-up
        _tokens = new SharedAccessTokenCache(_connection, time);
        _time = time;
        _logger = logger;
    }

    /// <summary>A type the relay has a message for, on a platform the hub holds credentials for (NotificationHubs:Platforms).</summary>
    public bool Supports(string tokenType) => NotificationHubMessage.For(tokenType) is not null && _reachable.Contains(tokenType);

    public async Task NotifyAsync(NotificationToken token, CancellationToken cancellationToken)
    {
        if (NotificationHubMessage.For(token.Type) is not { } message)
        {
            LogUnsupported(_logger, token.Type);
            return;
        }

        // Not tied to the request's token: the update is stored, so the push goes even if the device hangs up.
        var delivery = DeliverAsync(message, token);
        _inFlight[delivery] = true;
        _ = delivery.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(done, out _),
            _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        using var waitOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(delivery, Task.Delay(ResponseBound, _time, waitOver.Token));
        await waitOver.CancelAsync();
    }

    /// <summary>Completes when every push started so far has finished (delivered, refused or given up).</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_inFlight.Keys);

    /// <summary>On shutdown, pushes in flight get the rest of their total timeout to finish.</summary>
    public async ValueTask DisposeAsync() =>
        await Task.WhenAny(WhenIdleAsync(), Task.Delay(PushServiceCollectionExtensions.TotalTimeout, _time));

    [SuppressMessage("Design", "CA1031:Do not catch general exception types",
        Justification = "A push is best effort after the write succeeded: no failure of it may reach the request.")]
    private async Task DeliverAsync(NotificationHubMessage message, NotificationToken token)
    {
        await Task.Yield(); // the caller's wait starts at once, whatever the connection set-up costs
        try
        {
            var client = _clients.CreateClient(PushServiceCollectionExtensions.HttpClientName);
            using var request = message.CreateRequest(_connection, token.TokenData, _tokens.GetToken());
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None);
            if (response.IsSuccessStatusCode)
            {
                _metrics.Push(PushOutcome.Accepted);
                LogDelivered(_logger, token.Type, (int)response.StatusCode);
            }
            else if ((int)response.StatusCode >= 500)
            {
                _metrics.Push(PushOutcome.Failed);
                LogGaveUp(_logger, token.Type, (int)response.StatusCode);
            }
            else
            {
                // 400 bad handle or body, 401 bad SAS, 403 quota, 404 no hub, 413 too large: retrying would not help.
                _metrics.Push(PushOutcome.Refused);
                LogRefused(_logger, token.Type, (int)response.StatusCode);
            }
        }
        catch (TimeoutRejectedException)
        {
            _metrics.Push(PushOutcome.Failed);
            LogTimedOut(_logger, token.Type, PushServiceCollectionExtensions.TotalTimeout);
        }
        catch (Exception exception)
        {
            _metrics.Push(PushOutcome.Failed);
            // The exception's type and message only: neither carries the token or the SAS (those are headers).
            LogFailed(_logger, token.Type, exception.GetType().Name, exception.Message);
        }
    }

    [LoggerMessage(EventId = EventIds.PushAccepted, Level = LogLevel.Information, Message = "Push ({TokenType}) accepted by Notification Hubs: {StatusCode}.")]
    private static partial void LogDelivered(ILogger logger, string tokenType, int statusCode);

    [LoggerMessage(EventId = EventIds.PushRefused, Level = LogLevel.Warning, Message = "Push ({TokenType}) refused by Notification Hubs: {StatusCode}; not retried.")]
    private static partial void LogRefused(ILogger logger, string tokenType, int statusCode);

    [LoggerMessage(EventId = EventIds.PushGaveUp, Level = LogLevel.Warning, Message = "Push ({TokenType}) not delivered: Notification Hubs still answered {StatusCode} after retries.")]
    private static partial void LogGaveUp(ILogger logger, string tokenType, int statusCode);

    [LoggerMessage(EventId = EventIds.PushTimedOut, Level = LogLevel.Warning, Message = "Push ({TokenType}) not delivered: Notification Hubs did not answer within {TotalTimeout}.")]
    private static partial void LogTimedOut(ILogger logger, string tokenType, TimeSpan totalTimeout);

    [LoggerMessage(EventId = EventIds.PushFailed, Level = LogLevel.Warning, Message = "Push ({TokenType}) not delivered: {ExceptionType}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string tokenType, string exceptionType, string reason);

    [LoggerMessage(EventId = EventIds.PushUnsupportedToken, Level = LogLevel.Warning, Message = "No push for token type {TokenType}: not supported.")]
    private static partial void LogUnsupported(ILogger logger, string tokenType);
}
