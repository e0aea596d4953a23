using Microsoft.Extensions.Logging;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Every refusal the HTTP layer makes goes through here: counted one by one on <see cref="RelayMetrics"/>
/// (<c>relay.requests.refused</c>, by reason), and summarised in the log at most once per <see cref="SummaryInterval"/>
/// and reason, so that whoever causes refusals cannot choose how many log lines (and Application Insights bytes) they
/// cost. Never the client's address or anything it sent: the reason and a count only.
/// </summary>
/// <remarks>
/// The first refusal after a quiet interval is logged at once (with whatever was counted since the previous line); later
/// ones within the interval are only counted, and the next line carries their number. A count left over when refusals
/// stop is logged with the next refusal of that reason: the metric has it at once. The line is written from the refused
/// request itself, never from a timer, because the Functions host drops what a worker logs outside an invocation.
/// </remarks>
public sealed partial class RelayRefusals
{
    /// <summary>Least time between two summaries of the same reason.</summary>
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromMinutes(1);

    private readonly RelayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<RelayRefusals> _logger;
    private readonly long _intervalTicks;
    private readonly Tally[] _tallies = new Tally[Enum.GetValues<RefusalReason>().Length];

    public RelayRefusals(RelayMetrics metrics, TimeProvider time, ILogger<RelayRefusals> logger)
    {
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _intervalTicks = (long)(SummaryInterval.TotalSeconds * time.TimestampFrequency);
        var start = time.GetTimestamp();
        for (var i = 0; i < _tallies.Length; i++)
        {
            _tallies[i] = new Tally { NextSummary = start, Since = start };
        }
    }

    public void Refused(RefusalReason reason)
    {
        _metrics.Refused(reason);
        var tally = _tallies[(int)reason];
        Interlocked.Increment(ref tally.Pending);

        var now = _time.GetTimestamp();
        var due = Volatile.Read(ref tally.NextSummary);
        // One caller per interval wins the exchange and writes the line; everyone else has only counted.
        if (now < due || Interlocked.CompareExchange(ref tally.NextSummary, now + _intervalTicks, due) != due)
        {
            return;
        }

        var since = Interlocked.Exchange(ref tally.Since, now);
        var count = Interlocked.Exchange(ref tally.Pending, 0);
        var name = RelayMetrics.Name(reason);
        var seconds = (int)Math.Ceiling(_time.GetElapsedTime(since, now).TotalSeconds);
        LogSummary(_logger, count, name, seconds, (int)SummaryInterval.TotalSeconds);
    }

    [LoggerMessage(EventId = EventIds.RequestsRefusedSummary, Level = LogLevel.Information,
        Message = "Refused {Count} request(s) ({Reason}) in the last {Seconds} s; at most one such line per reason every {IntervalSeconds} s (relay.requests.refused counts each).")]
    private static partial void LogSummary(ILogger logger, long count, string reason, int seconds, int intervalSeconds);

    /// <summary>One reason's count since its last summary, and when the next summary may be written (timestamps).</summary>
    private sealed class Tally
    {
        public long Pending;
        public long NextSummary;
        public long Since;
    }
}
