namespace ScTransfer.Relay.Diagnostics;

/// <summary>
/// At most one log line per interval for one kind of event, carrying how many events it stands for. Written by an event,
/// never a timer: the Functions host drops what a worker logs outside an invocation.
/// </summary>
public sealed class LogThrottle
{
    private readonly TimeProvider _time;
    private readonly long _intervalTicks;
    private long _pending;
    private long _nextLine;
    private long _since;

    public LogThrottle(TimeProvider time, TimeSpan interval)
    {
        _time = time;
        _intervalTicks = (long)(interval.TotalSeconds * time.TimestampFrequency);
        _nextLine = _since = time.GetTimestamp();
    }

    /// <summary>Counts one event; when it is this one's turn to be logged, how many events the line stands for (this one included) and over how long.</summary>
    public bool Record(out long count, out TimeSpan over)
    {
        Interlocked.Increment(ref _pending);
        var now = _time.GetTimestamp();
        var due = Volatile.Read(ref _nextLine);
        // One caller per interval wins the exchange and writes the line; everyone else has only counted.
        if (now < due || Interlocked.CompareExchange(ref _nextLine, now + _intervalTicks, due) != due)
        {
            (count, over) = (0, TimeSpan.Zero);
            return false;
        }

        over = _time.GetElapsedTime(Interlocked.Exchange(ref _since, now), now);
        count = Interlocked.Exchange(ref _pending, 0);
        return true;
    }
}
