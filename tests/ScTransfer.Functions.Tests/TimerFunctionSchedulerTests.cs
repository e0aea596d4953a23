using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using ScTransfer.Relay.Http;
using ScTransfer.SelfHost;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>The self-hosted runner's timer scheduler on a fake clock: when it runs a timer function, and how often.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class TimerFunctionSchedulerTests
{
    [Fact]
    public async Task A_yearly_schedule_waits_in_steps_and_runs_once_at_its_occurrence()
    {
        // Eleven months before the next 1 January: longer than Task.Delay waits (about 49.7 days).
        var clock = new WaitingClock(new DateTimeOffset(2027, 2, 1, 0, 0, 0, TimeSpan.Zero));
        var (scheduler, runs) = await StartAsync("0 0 0 1 1 *", clock);

        var waits = 0;
        for (var wait = await NextWaitAsync(clock, scheduler); runs.IsEmpty; wait = await NextWaitAsync(clock, scheduler))
        {
            clock.Advance(wait); // each wait in full; the wait after the run is for 2029
            waits++;
        }

        Assert.Equal([new DateTimeOffset(2028, 1, 1, 0, 0, 0, TimeSpan.Zero)], runs);
        Assert.True(waits > 1, "one wait for eleven months");
        await scheduler.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task An_occurrence_runs_once_even_when_less_than_a_millisecond_away()
    {
        var clock = new WaitingClock(new DateTimeOffset(2027, 2, 1, 11, 59, 59, TimeSpan.Zero).AddTicks(9_995_000)); // 0.5 ms to noon
        var (scheduler, runs) = await StartAsync("0 */1 * * * *", clock);

        clock.Advance(await NextWaitAsync(clock, scheduler));
        await NextWaitAsync(clock, scheduler); // the wait for 12:01

        Assert.Single(runs);
        Assert.True(runs.Single() >= new DateTimeOffset(2027, 2, 1, 12, 0, 0, TimeSpan.Zero), $"ran at {runs.Single():O}, before noon");
        await scheduler.StopAsync(CancellationToken.None);
    }

    private static async Task<(TimerFunctionScheduler Scheduler, ConcurrentQueue<DateTimeOffset> Runs)> StartAsync(string schedule, TimeProvider clock)
    {
        var runs = new ConcurrentQueue<DateTimeOffset>();
        var services = new ServiceCollection().AddSingleton(runs).AddSingleton(clock).BuildServiceProvider();
        var function = new TimerFunction("Tick", typeof(Tick).GetMethod(nameof(Tick.Run))!, schedule);
        var scheduler = new TimerFunctionScheduler(
            function, services, new ConfigurationBuilder().Build(), clock, NullLogger<TimerFunctionScheduler>.Instance);
        await scheduler.StartAsync(CancellationToken.None);
        return (scheduler, runs);
    }

    /// <summary>The next wait the scheduler starts on the clock, or what stopped it instead.</summary>
    private static async Task<TimeSpan> NextWaitAsync(WaitingClock clock, TimerFunctionScheduler scheduler)
    {
        var wait = clock.NextTimerAsync();
        await Task.WhenAny(wait, scheduler.ExecuteTask!).DefaultTimeout();
        if (!wait.IsCompleted)
        {
            await scheduler.ExecuteTask!; // throws what stopped it
            Assert.Fail("The scheduler stopped.");
        }

        return await wait;
    }

    private sealed class Tick(ConcurrentQueue<DateTimeOffset> runs, TimeProvider time)
    {
        public Task Run(TimerInfo timer, CancellationToken cancellationToken)
        {
            runs.Enqueue(time.GetUtcNow());
            return Task.CompletedTask;
        }
    }

    /// <summary>A fake clock that reports each timer started on it, so a test advances it only once something waits.</summary>
    private sealed class WaitingClock(DateTimeOffset start) : FakeTimeProvider(start)
    {
        private readonly Channel<TimeSpan> _timers = Channel.CreateUnbounded<TimeSpan>();

        public Task<TimeSpan> NextTimerAsync() => _timers.Reader.ReadAsync().AsTask();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = base.CreateTimer(callback, state, dueTime, period);
            _timers.Writer.TryWrite(dueTime);
            return timer;
        }
    }
}
