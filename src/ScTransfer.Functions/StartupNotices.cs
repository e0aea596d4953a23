using System.Collections.Concurrent;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Functions;

/// <summary>
/// The Functions host drops what the worker logs outside a function invocation (GrpcWorkerChannel ignores user logs
/// without an executing invocation id), so start-up notices ("Push notifications are off…", "Mailbox table is
/// ready.", start-up warnings) would never reach the host's log. This records them, and
/// <see cref="StartupNoticeReplay"/> writes them again inside the next invocation, once each. (In Azure, the worker's
/// own OpenTelemetry exporter, RelayTelemetry, sends the originals to Application Insights as well.)
/// Recorded: the relay's own lines at Information and above, anyone's at Warning and above; at most
/// <see cref="Capacity"/> until the first invocation.
/// </summary>
internal sealed class StartupNotices : ILoggerProvider
{
    public const int Capacity = 64;

    private static readonly AsyncLocal<bool> InInvocation = new();
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _pending = new();
    private int _dropped;

    internal static bool IsInInvocation { get => InInvocation.Value; set => InInvocation.Value = value; }

    public ILogger CreateLogger(string categoryName) => new Recorder(this, categoryName);

    internal bool HasPending => !_pending.IsEmpty || Volatile.Read(ref _dropped) > 0;

    internal IEnumerable<(LogLevel Level, string Category, string Message)> TakePending(out int dropped)
    {
        dropped = Interlocked.Exchange(ref _dropped, 0);
        var taken = new List<(LogLevel, string, string)>();
        while (_pending.TryDequeue(out var entry))
        {
            taken.Add(entry);
        }

        return taken;
    }

    public void Dispose()
    {
    }

    private sealed class Recorder(StartupNotices notices, string category) : ILogger
    {
        private readonly bool _relay = category.StartsWith("ScTransfer.", StringComparison.Ordinal);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= (_relay ? LogLevel.Information : LogLevel.Warning) && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || IsInInvocation)
            {
                return;
            }

            if (notices._pending.Count >= Capacity)
            {
                Interlocked.Increment(ref notices._dropped);
                return;
            }

            // The message as the relay formatted it (its log lines carry no secrets); exceptions by type only.
            var message = formatter(state, exception);
            notices._pending.Enqueue((logLevel, category, exception is null ? message : $"{message} ({exception.GetType().Name})"));
        }
    }
}

/// <summary>Writes the recorded start-up notices inside an invocation, where the Functions host keeps them.</summary>
internal sealed partial class StartupNoticeReplay(StartupNotices notices, ILogger<StartupNoticeReplay> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        StartupNotices.IsInInvocation = true;
        if (notices.HasPending)
        {
            var pending = notices.TakePending(out var dropped);
            foreach (var (level, category, message) in pending)
            {
                LogNotice(logger, level, category, message);
            }

            if (dropped > 0)
            {
                LogDropped(logger, dropped);
            }
        }

        await next(context);
    }

    [LoggerMessage(EventId = EventIds.StartupNoticeReplayed, Message = "Logged outside an invocation (start-up), by {Category}: {Notice}")]
    private static partial void LogNotice(ILogger logger, LogLevel level, string category, string notice);

    [LoggerMessage(EventId = EventIds.StartupNoticesDropped, Level = LogLevel.Warning, Message = "{Dropped} more lines were logged outside an invocation (start-up) and not kept.")]
    private static partial void LogDropped(ILogger logger, int dropped);
}
