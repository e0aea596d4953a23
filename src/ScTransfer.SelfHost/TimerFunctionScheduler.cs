using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Http;

namespace ScTransfer.SelfHost;

/// <summary>
/// Runs a timer function on its schedule, parsed as the Functions host parses it (<see cref="PurgeSchedule"/>:
/// NCRONTAB with seconds, or a period);
/// a <c>%Name%</c> schedule is read from configuration, like the Functions host's app-setting reference.
/// A run never overlaps the previous one; a failing run is logged and the next one still happens.
/// </summary>
internal sealed partial class TimerFunctionScheduler(
    TimerFunction function, IServiceProvider services, IConfiguration configuration, TimeProvider time, ILogger<TimerFunctionScheduler> logger)
    : BackgroundService
{
    /// <summary>Well under what Task.Delay accepts (about 49.7 days).</summary>
    private static readonly TimeSpan LongestWait = TimeSpan.FromDays(24);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var expression = ResolveSchedule(function.Schedule, configuration);
        if (!PurgeSchedule.TryParse(expression, function.Schedule.Trim('%'), $"timer function {function.Name}", PurgeSchedule.Default, out var schedule, out var error))
        {
            throw new InvalidOperationException($"Timer function {function.Name}: {error}");
        }

        var invoker = new FunctionInvoker(function.Method);
        LogScheduled(logger, function.Name, expression);

        while (!stoppingToken.IsCancellationRequested)
        {
            await WaitUntilAsync(schedule.GetNextOccurrence(time.GetUtcNow().UtcDateTime), stoppingToken);
            try
            {
                await using var scope = services.CreateAsyncScope();
                await invoker.InvokeAsync(scope.ServiceProvider, http: null, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex, function.Name);
            }
        }
    }

    /// <summary>
    /// Waits in steps until <paramref name="due"/>: Task.Delay refuses a wait of a yearly schedule, and a wait that ends a
    /// moment early (it counts whole milliseconds) must not run the same occurrence twice.
    /// </summary>
    private async Task WaitUntilAsync(DateTime due, CancellationToken stoppingToken)
    {
        TimeSpan left;
        while ((left = due - time.GetUtcNow().UtcDateTime) > TimeSpan.Zero)
        {
            await Task.Delay(left < LongestWait ? TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)) : LongestWait, time, stoppingToken);
        }
    }

    internal static string ResolveSchedule(string schedule, IConfiguration configuration)
    {
        if (schedule.Length > 2 && schedule[0] == '%' && schedule[^1] == '%')
        {
            var name = schedule[1..^1];
            return configuration[name] is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException($"The timer schedule refers to the app setting '{name}', which is not set.");
        }

        return schedule;
    }

    [LoggerMessage(EventId = EventIds.TimerScheduled, Level = LogLevel.Information, Message = "Timer function {Function} runs on schedule '{Schedule}'.")]
    private static partial void LogScheduled(ILogger logger, string function, string schedule);

    [LoggerMessage(EventId = EventIds.TimerFunctionFailed, Level = LogLevel.Error, Message = "Timer function {Function} failed; it runs again on schedule.")]
    private static partial void LogFailed(ILogger logger, Exception exception, string function);
}
