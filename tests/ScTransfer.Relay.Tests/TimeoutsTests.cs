using System.Diagnostics;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>The bounds the tests put on their awaits fail with what hung and where (<see cref="Timeouts"/>).</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class TimeoutsTests
{
    [Fact]
    public async Task An_await_that_never_completes_fails_naming_the_expression_and_the_line()
    {
        var never = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        var error = await Assert.ThrowsAsync<TimeoutException>(() => never.Task.DefaultTimeout(TimeSpan.FromMilliseconds(50)));

        Assert.StartsWith("never.Task did not finish within 50 ms (TimeoutsTests.cs:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_await_that_completes_in_time_gives_its_result() =>
        Assert.Equal(7, await Task.FromResult(7).DefaultTimeout());

    [Fact]
    public async Task A_wait_ends_once_its_condition_holds()
    {
        var looks = 0;

        await Timeouts.WaitUntilAsync(() => ++looks == 3);

        Assert.Equal(3, looks);
    }

    [Fact]
    public async Task A_condition_that_never_holds_fails_naming_it_the_line_and_what_was_seen()
    {
        var seen = 0;

        var error = await Assert.ThrowsAsync<TimeoutException>(() => Timeouts.WaitUntilAsync(async () =>
        {
            await Task.Yield();
            return ++seen < 0;
        }, TimeSpan.FromMilliseconds(50), detail: () => $"looked {seen} times"));

        Assert.StartsWith("async () =>", error.Message, StringComparison.Ordinal);
        Assert.Contains("did not hold within 50 ms (TimeoutsTests.cs:", error.Message, StringComparison.Ordinal);
        Assert.EndsWith($"looked {seen} times", error.Message, StringComparison.Ordinal);
    }
}

/// <summary><see cref="Timeouts.WaitForExitOrKillAsync"/> on a real child process.</summary>
[Trait(Needs.Trait, Needs.Shell)]
public sealed class ProcessTimeoutTests
{
    [Fact]
    public async Task A_process_that_outlives_its_bound_is_killed_and_named()
    {
        using var process = Process.Start(new ProcessStartInfo("sleep", ["60"]))!;

        var error = await Assert.ThrowsAsync<TimeoutException>(() => process.WaitForExitOrKillAsync(TimeSpan.FromSeconds(1)));

        Assert.Contains("`sleep 60` (killed) did not finish within 1 s", error.Message, StringComparison.Ordinal);
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(10)), "the process is still running");
    }
}
