using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Push;

public static partial class PushServiceCollectionExtensions
{
    /// <summary>The named HttpClient that talks to Notification Hubs.</summary>
    public const string HttpClientName = "NotificationHubs";

    /// <summary>One attempt's limit; a hub that has not answered by then is tried again.</summary>
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Retries after the first attempt, for 5xx answers, timeouts and connection failures only.</summary>
    public const int MaxRetryAttempts = 2;

    /// <summary>First back-off delay; doubled per retry, with jitter.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>A push is given up after this long, retries included.</summary>
    public static readonly TimeSpan TotalTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Pushes through Azure Notification Hubs when <c>NotificationHubs__ConnectionString</c> and <c>NotificationHubs__HubName</c>
    /// are set; off (<see cref="DisabledPushNotifier"/>) when both are empty. Either way the state is logged once at
    /// start-up; half a configuration or a malformed connection string stops start-up with a message saying what to fix.
    /// </summary>
    public static IServiceCollection AddPushNotifications(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddRelayMetrics(); // pushes are counted by outcome
        services.AddSettings<NotificationHubsOptions, NotificationHubsOptionsValidator>(configuration, NotificationHubsOptions.SectionName);

        services.AddHttpClient(HttpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan) // the pipeline's timeouts rule
            .RedactLoggedHeaders(_ => true) // the device handle and the SAS are headers: never in logs
            .AddResilienceHandler("notification-hubs", pipeline => pipeline
                .AddTimeout(TotalTimeout)
                .AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = MaxRetryAttempts,
                    BackoffType = DelayBackoffType.Exponential,
                    Delay = RetryDelay,
                    UseJitter = true,
                    ShouldRetryAfterHeader = false, // an answer with Retry-After is not retried here: the outbox waits as asked
                    ShouldHandle = args => ValueTask.FromResult(IsWorthRetrying(args.Outcome)),
                })
                .AddTimeout(AttemptTimeout));

        services.TryAddSingleton<IPushNotifier>(provider =>
            provider.GetRequiredService<IOptions<NotificationHubsOptions>>().Value is { IsConfigured: true } hubs && !IsUnresolved(hubs) && ReachesAny(hubs)
                ? ActivatorUtilities.CreateInstance<NotificationHubPushNotifier>(provider)
                : new DisabledPushNotifier());
        services.TryAddSingleton<PushOutbox>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PushStatusLog>());
        return services;
    }

    /// <summary>
    /// 5xx, timeouts and connection failures may pass within the attempt; a 4xx (bad handle, bad SAS, quota, no hub) will
    /// not, and an answer that says when to come back (Retry-After) is left to <see cref="PushOutbox"/>, which waits as asked.
    /// </summary>
    internal static bool IsWorthRetrying(Polly.Outcome<HttpResponseMessage> outcome) => outcome switch
    {
        { Result: { } response } => (int)response.StatusCode >= 500 && response.Headers.RetryAfter is null,
        { Exception: HttpRequestException or TimeoutRejectedException } => true,
        _ => false,
    };

    /// <summary>NotificationHubs:Platforms names at least one platform: <c>none</c> (a hub without credentials) turns pushes off.</summary>
    private static bool ReachesAny(NotificationHubsOptions options) =>
        options.TryGetReachableTokenTypes(out var tokenTypes, out _) && tokenTypes.Count > 0;

    /// <summary>The connection string is a Key Vault reference the platform could not resolve: pushes off, relay up.</summary>
    internal static bool IsUnresolved(NotificationHubsOptions options) => KeyVaultReference.IsUnresolved(options.ConnectionString);

    /// <summary>Says once, at start-up, whether pushes are on and where they go.</summary>
    private sealed partial class PushStatusLog(IOptions<NotificationHubsOptions> options, ILogger<NotificationHubPushNotifier> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (IsUnresolved(options.Value))
            {
                LogUnresolved(logger);
            }
            else if (options.Value.IsConfigured && !ReachesAny(options.Value))
            {
                LogNoPlatform(logger);
            }
            else if (options.Value.IsConfigured)
            {
                var connection = NotificationHubConnection.Parse(options.Value);
                _ = options.Value.TryGetReachableTokenTypes(out var tokenTypes, out _);
                var reachable = string.Join(", ", tokenTypes); // once, at start-up
                LogOn(logger, connection.HubName, connection.Endpoint.Host, reachable);
            }
            else
            {
                LogOff(logger);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(EventId = EventIds.PushOn, Level = LogLevel.Information, Message = "Push notifications go through Notification Hubs hub {HubName} at {Host}, for tokens of type {TokenTypes}.")]
        private static partial void LogOn(ILogger logger, string hubName, string host, string tokenTypes);

        [LoggerMessage(EventId = EventIds.PushNoPlatform, Level = LogLevel.Information,
            Message = "Push notifications are off: NotificationHubs:Platforms is none (the hub holds no APNs or FCM credentials yet). Mailboxes work and answer isPushNotificationSupported: false, so devices poll.")]
        private static partial void LogNoPlatform(ILogger logger);

        [LoggerMessage(EventId = EventIds.PushOff, Level = LogLevel.Information,
            Message = "Push notifications are off: NotificationHubs__ConnectionString and NotificationHubs__HubName are not set. Mailboxes work; devices are not notified of updates.")]
        private static partial void LogOff(ILogger logger);

        [LoggerMessage(EventId = EventIds.PushKeyVaultUnresolved, Level = LogLevel.Error,
            Message = "Push notifications are off: NotificationHubs__ConnectionString is an unresolved Key Vault reference (the app's identity cannot read the secret yet, or it does not exist). Mailboxes work; devices are not notified until the app restarts with the reference resolved.")]
        private static partial void LogUnresolved(ILogger logger);
    }
}
