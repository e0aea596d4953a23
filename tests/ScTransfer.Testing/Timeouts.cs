using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ScTransfer.Testing;

/// <summary>
/// Bounds for awaits on another process, the network or another thread, and for waits until a condition holds, so a hang
/// fails its test in seconds saying what hung and where, not at CI's limit (after ASP.NET Core's test helper
/// <c>DefaultTimeout()</c>).
/// </summary>
public static class Timeouts
{
    /// <summary>Long enough for a loaded 2-core machine to answer; far shorter than any CI limit.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(30);

    /// <summary>The task, or a <see cref="TimeoutException"/> naming the awaited expression after <paramref name="timeout"/> (default 30 s).</summary>
    public static async Task DefaultTimeout(
        this Task task, TimeSpan? timeout = null,
        [CallerArgumentExpression(nameof(task))] string what = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var bound = timeout ?? Default;
        try
        {
            await task.WaitAsync(bound);
        }
        catch (TimeoutException e) when (!task.IsCompleted)
        {
            throw Hung(what, bound, file, line, e);
        }
    }

    /// <inheritdoc cref="DefaultTimeout(Task, TimeSpan?, string, string, int)"/>
    public static async Task<T> DefaultTimeout<T>(
        this Task<T> task, TimeSpan? timeout = null,
        [CallerArgumentExpression(nameof(task))] string what = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var bound = timeout ?? Default;
        try
        {
            return await task.WaitAsync(bound);
        }
        catch (TimeoutException e) when (!task.IsCompleted)
        {
            throw Hung(what, bound, file, line, e);
        }
    }

    /// <summary>
    /// Waits until <paramref name="condition"/> holds, or throws a <see cref="TimeoutException"/> naming it (and
    /// <paramref name="detail"/>, what was seen instead) after <paramref name="timeout"/> (default 30 s). For what a test
    /// cannot await (another process's log, a row in storage): never a fixed sleep. It looks again after 10 ms, then
    /// less often, up to every 250 ms.
    /// </summary>
    public static async Task WaitUntilAsync(
        Func<Task<bool>> condition, TimeSpan? timeout = null, Func<string>? detail = null,
        [CallerArgumentExpression(nameof(condition))] string what = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var bound = timeout ?? Default;
        var clock = Stopwatch.StartNew();
        for (var pause = TimeSpan.FromMilliseconds(10); !await condition(); pause = Min(pause * 2, TimeSpan.FromMilliseconds(250)))
        {
            if (clock.Elapsed > bound)
            {
                throw Unmet(what, bound, detail, file, line);
            }

            await Task.Delay(pause);
        }
    }

    /// <inheritdoc cref="WaitUntilAsync(Func{Task{bool}}, TimeSpan?, Func{string}?, string, string, int)"/>
    public static Task WaitUntilAsync(
        Func<bool> condition, TimeSpan? timeout = null, Func<string>? detail = null,
        [CallerArgumentExpression(nameof(condition))] string what = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        WaitUntilAsync(() => Task.FromResult(condition()), timeout, detail, what, file, line);

    /// <summary><see cref="WaitUntilAsync(Func{bool}, TimeSpan?, Func{string}?, string, string, int)"/> for synchronous start-up code.</summary>
    public static void WaitUntil(
        Func<bool> condition, TimeSpan? timeout = null, Func<string>? detail = null,
        [CallerArgumentExpression(nameof(condition))] string what = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        var bound = timeout ?? Default;
        var clock = Stopwatch.StartNew();
        for (var pause = TimeSpan.FromMilliseconds(10); !condition(); pause = Min(pause * 2, TimeSpan.FromMilliseconds(250)))
        {
            if (clock.Elapsed > bound)
            {
                throw Unmet(what, bound, detail, file, line);
            }

            Thread.Sleep(pause);
        }
    }

    /// <summary>
    /// Waits until the process has exited and its redirected output has ended. Past <paramref name="timeout"/> it kills
    /// the process and its children and throws a <see cref="TimeoutException"/> naming the command line.
    /// </summary>
    public static async Task WaitForExitOrKillAsync(
        this Process process, TimeSpan timeout, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            var start = process.StartInfo;
            var command = string.Join(' ', new[] { start.FileName, start.Arguments }.Concat(start.ArgumentList).Where(a => a.Length > 0));
            throw Hung($"`{(command.Length > 200 ? command[..200] + "…" : command)}` (killed)", timeout, file, line, e);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeoutException Unmet(string what, TimeSpan timeout, Func<string>? detail, string file, int line) =>
        new($"{what} did not hold within {Format(timeout)} ({Path.GetFileName(file)}:{line}){(detail is null ? "." : ": " + detail())}");

    private static string Format(TimeSpan timeout) =>
        timeout < TimeSpan.FromSeconds(1) ? $"{timeout.TotalMilliseconds:0} ms" : $"{timeout.TotalSeconds:0} s";

    private static TimeoutException Hung(string what, TimeSpan timeout, string file, int line, Exception inner) =>
        new($"{what} did not finish within {Format(timeout)} ({Path.GetFileName(file)}:{line}).", inner);
}
