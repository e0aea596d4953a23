using Polly.CircuitBreaker;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// How often a storage failure reaches the log: at most one line a minute per store, carrying how many it stands for,
/// and none while the circuit breaker is open (it logged its opening once). During an outage every request fails; a line
/// each would make the log, and the Application Insights bill, as large as the traffic. Every failure is still counted
/// on <c>relay.storage.unavailable</c>.
/// </summary>
internal sealed class OutageLog
{
    private static readonly long Interval = (long)TimeSpan.FromMinutes(1).TotalMilliseconds;

    private long _nextLine = long.MinValue;
    private int _since;

    /// <summary>Whether this failure gets a line; <paramref name="unlogged"/> is how many before it did not.</summary>
    public bool ShouldLog(Exception failure, out int unlogged)
    {
        unlogged = 0;
        if (failure is BrokenCircuitException)
        {
            return false;
        }

        var now = Environment.TickCount64;
        var next = Interlocked.Read(ref _nextLine);
        if (now < next || Interlocked.CompareExchange(ref _nextLine, now + Interval, next) != next)
        {
            Interlocked.Increment(ref _since);
            return false;
        }

        unlogged = Interlocked.Exchange(ref _since, 0);
        return true;
    }
}
