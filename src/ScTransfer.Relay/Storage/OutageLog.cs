using Polly.CircuitBreaker;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// How often a storage failure reaches the log: at most one line a minute per store (<see cref="LogThrottle"/>), carrying
/// how many it stands for, and none while the circuit breaker is open (it logged its opening once). During an outage
/// every request fails; a line each would make the log, and the Application Insights bill, as large as the traffic.
/// Every failure is still counted on <c>relay.storage.unavailable</c>.
/// </summary>
internal sealed class OutageLog
{
    private readonly LogThrottle _lines = new(TimeProvider.System, TimeSpan.FromMinutes(1));

    /// <summary>Whether this failure gets a line; <paramref name="failures"/> is how many it stands for, itself included.</summary>
    public bool ShouldLog(Exception failure, out long failures)
    {
        failures = 0;
        return failure is not BrokenCircuitException && _lines.Record(out failures, out _);
    }
}
