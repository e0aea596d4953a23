using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Fails fast once Table storage is known to be down: a Polly circuit breaker in the storage client's pipeline, per
/// attempt; open, every call fails at once (503), and a background probe, never a request, closes it when storage
/// answers (docs/security.md, "A store that stops answering").
/// </summary>
internal sealed partial class StorageCircuitBreaker : HttpPipelinePolicy, IDisposable
{
    /// <summary>Attempts in the sampling window before the breaker may open: a single slow call never opens it.</summary>
    internal const int MinimumThroughput = 8;

    /// <summary>The share of failed attempts in the window that opens the breaker.</summary>
    internal const double FailureRatio = 0.5;

    /// <summary>How often the probe asks storage while the breaker is open.</summary>
    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(1);

    private readonly ResiliencePipeline<bool> _pipeline;
    private readonly CircuitBreakerManualControl _control = new();
    private readonly CircuitBreakerStateProvider _state = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger<StorageCircuitBreaker> _logger;
    private readonly StorageHealth _health;
    private Func<CancellationToken, Task>? _probe;
    private int _probing;

    public StorageCircuitBreaker(TimeProvider time, StorageHealth health, ILogger<StorageCircuitBreaker> logger)
    {
        _logger = logger;
        _health = health;
        _pipeline = new ResiliencePipelineBuilder<bool> { TimeProvider = time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<bool>
            {
                FailureRatio = FailureRatio,
                MinimumThroughput = MinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(5),
                BreakDuration = TimeSpan.FromSeconds(30), // the probe closes it long before: no request is the trial
                ManualControl = _control,
                StateProvider = _state,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } exception
                    ? !args.Context.CancellationToken.IsCancellationRequested && IsOutage(exception)
                    : args.Outcome.Result),
                OnOpened = _ =>
                {
                    _health.BreakerOpen = true;
                    LogOpened(_logger);
                    StartProbing();
                    return default;
                },
                OnClosed = _ =>
                {
                    _health.BreakerOpen = false;
                    LogClosed(_logger);
                    return default;
                },
            })
            .Build();
    }

    /// <summary>Whether storage calls fail at once (open, or isolated while the probe waits for storage).</summary>
    public bool IsOpen => _state.CircuitState is CircuitState.Open or CircuitState.Isolated;

    /// <summary>
    /// The call that finds out whether storage answers again: it must not go through this breaker, must not retry,
    /// and should time out within about a second. Any answer, even an error status, means storage is back.
    /// </summary>
    public void UseProbe(Func<CancellationToken, Task> probe) => _probe = probe;

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        _pipeline.Execute(
            static (state, _) =>
            {
                state.health.Started();
                var answered = false;
                try
                {
                    ProcessNext(state.message, state.pipeline);
                    answered = true;
                    return IsOutage(state.message.Response);
                }
                finally
                {
                    state.health.Ended(answered);
                }
            },
            (message, pipeline, health: _health),
            message.CancellationToken);

    public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        ExecuteAsync(message, pipeline);

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private async ValueTask ExecuteAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
        await _pipeline.ExecuteAsync(
            static async (state, _) =>
            {
                state.health.Started();
                var answered = false;
                try
                {
                    await ProcessNextAsync(state.message, state.pipeline);
                    answered = true;
                    return IsOutage(state.message.Response);
                }
                finally
                {
                    state.health.Ended(answered);
                }
            },
            (message, pipeline, health: _health),
            message.CancellationToken);

    /// <summary>
    /// An answer that means the service is failing (never 404, 409 or 412). Throttling is not: one client can make one
    /// partition busy, and must not open the breaker for everyone (docs/security.md, "A busy partition").
    /// </summary>
    private static bool IsOutage(Response response) =>
        IsOutage(response.Status, response.Headers.TryGetValue("x-ms-error-code", out var code) ? code : null);

    internal static bool IsOutage(int status, string? errorCode) =>
        status is 500 or 502 or 503 or 504 && errorCode is not ("ServerBusy" or "OperationTimedOut");

    /// <summary>A network failure or the attempt's own network timeout (the caller's cancellation is told apart above).</summary>
    private static bool IsOutage(Exception exception) =>
        exception is IOException or HttpRequestException or OperationCanceledException or Azure.RequestFailedException { Status: 0 };

    private void StartProbing()
    {
        if (Interlocked.Exchange(ref _probing, 1) == 1)
        {
            return;
        }

        _ = Task.Run(ProbeUntilBackAsync);
    }

    private async Task ProbeUntilBackAsync()
    {
        try
        {
            await _control.IsolateAsync(_stopping.Token); // no request is let through as a trial meanwhile
            using var interval = new PeriodicTimer(ProbeInterval);
            while (await interval.WaitForNextTickAsync(_stopping.Token))
            {
                try
                {
                    if (_probe is { } probe)
                    {
                        await probe(_stopping.Token);
                    }
                }
                catch (Azure.RequestFailedException answered) when (answered.Status != 0)
                {
                    // storage answered (an error status is an answer too): it is back
                }
                catch (Exception ex) when (IsOutage(ex) && !_stopping.IsCancellationRequested)
                {
                    continue; // still down: ask again at the next tick
                }

                // Ready for the next opening before closing: should storage fail again at once, that opening starts
                // a probe of its own instead of finding this one still marked as running.
                Volatile.Write(ref _probing, 0);
                await _control.CloseAsync(_stopping.Token);
                return;
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            // Whatever ended the loop, a later opening may probe again (at worst two probes overlap, and both close).
            Volatile.Write(ref _probing, 0);
        }
    }

    [LoggerMessage(EventId = EventIds.StorageBreakerOpened, Level = LogLevel.Warning,
        Message = "Table storage is failing: requests now answer 503 at once until a probe finds it answering again.")]
    private static partial void LogOpened(ILogger logger);

    [LoggerMessage(EventId = EventIds.StorageBreakerClosed, Level = LogLevel.Information, Message = "Table storage answers again: requests reach it again.")]
    private static partial void LogClosed(ILogger logger);
}
