using Microsoft.Extensions.Logging;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Every refusal of the HTTP layer: counted one by one (<c>relay.requests.refused</c>) and logged at most once per
/// <see cref="SummaryInterval"/> and reason, so whoever causes refusals cannot choose the log's size; the reason and a
/// count only (docs/security.md, "Refusals in the log").
/// </summary>
public sealed partial class RelayRefusals
{
    /// <summary>Least time between two summaries of the same reason.</summary>
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromMinutes(1);

    private readonly RelayMetrics _metrics;
    private readonly ILogger<RelayRefusals> _logger;
    private readonly LogThrottle[] _lines;

    public RelayRefusals(RelayMetrics metrics, TimeProvider time, ILogger<RelayRefusals> logger)
    {
        _metrics = metrics;
        _logger = logger;
        _lines = [.. Enum.GetValues<RefusalReason>().Select(_ => new LogThrottle(time, SummaryInterval))];
    }

    public void Refused(RefusalReason reason)
    {
        _metrics.Refused(reason);
        if (_lines[(int)reason].Record(out var count, out var over))
        {
            var name = RelayMetrics.Name(reason);
            var seconds = (int)Math.Ceiling(over.TotalSeconds);
            LogSummary(_logger, count, name, seconds, (int)SummaryInterval.TotalSeconds);
        }
    }

    [LoggerMessage(EventId = EventIds.RequestsRefusedSummary, Level = LogLevel.Information,
        Message = "Refused {Count} request(s) ({Reason}) in the last {Seconds} s; at most one such line per reason every {IntervalSeconds} s (relay.requests.refused counts each).")]
    private static partial void LogSummary(ILogger logger, long count, string reason, int seconds, int intervalSeconds);
}
