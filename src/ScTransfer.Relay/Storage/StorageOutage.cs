using Azure;
using Polly.CircuitBreaker;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Which storage failures are an outage or throttling (the request answers 503 with Retry-After and changed nothing),
/// as opposed to answers the protocol cares about (404, 409, 412), which pass through; and what a store does with one:
/// the call fails with <see cref="StorageUnavailableException"/>, and the store's log gets at most a line a minute for
/// it (<see cref="OutageLog"/>). One per store; one rule for every table the relay uses.
/// </summary>
/// <param name="message">The exception's message: what the caller should do.</param>
/// <param name="log">The store's line for an outage: the failure's type, its status if any, and how many failures it stands for.</param>
internal sealed class StorageOutage(string message, Action<string, int?, long> log)
{
    private readonly OutageLog _lines = new();

    /// <summary>Runs a storage call; an outage or throttling becomes <see cref="StorageUnavailableException"/>.</summary>
    public async Task<T> GuardAsync<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            return await operation();
        }
        catch (Exception ex) when (Is(ex, cancellationToken))
        {
            if (_lines.ShouldLog(ex, out var failures))
            {
                log(ex.GetType().Name, (ex as RequestFailedException)?.Status, failures);
            }

            throw new StorageUnavailableException(message, ex) { BreakerOpen = ex is BrokenCircuitException };
        }
    }

    /// <summary>
    /// A network failure, the client's own network timeout (not the caller's cancellation), 408/429/5xx after the
    /// storage client's retries, or the circuit breaker refusing the call because storage is known to be down.
    /// </summary>
    private static bool Is(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        BrokenCircuitException => true, // storage is known to be down (StorageCircuitBreaker): answered at once
        AggregateException or HttpRequestException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
