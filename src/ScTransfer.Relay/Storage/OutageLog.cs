using Polly.CircuitBreaker;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// At most one log line a minute per store for storage failures, none while the breaker is open; every failure is still
/// counted (docs/security.md, "A store that stops answering").
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
