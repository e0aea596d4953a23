using Azure;
using Polly.CircuitBreaker;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Which storage failures are an outage or throttling (the request answers 503 with Retry-After and changed nothing),
/// as opposed to answers the protocol cares about (404, 409, 412), which pass through. One rule for every table the
/// relay uses.
/// </summary>
internal static class StorageOutage
{
    /// <summary>
    /// A network failure, the client's own network timeout (not the caller's cancellation), 408/429/5xx after the
    /// storage client's retries, or the circuit breaker refusing the call because storage is known to be down.
    /// </summary>
    public static bool Is(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        RequestFailedException failed => failed.Status is 0 or 408 or 429 or >= 500,
        BrokenCircuitException => true, // storage is known to be down (StorageCircuitBreaker): answered at once
        AggregateException or HttpRequestException => true,
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };
}
