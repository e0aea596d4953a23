using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace ScTransfer.Testing;

/// <summary>
/// Bounds for awaits on another process, the network or another thread, so a hang fails its test in seconds saying
/// what hung and where, not at CI's limit (after ASP.NET Core's test helper <c>DefaultTimeout()</c>).
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

    private static TimeoutException Hung(string what, TimeSpan timeout, string file, int line, Exception inner) =>
        new($"{what} did not finish within {(timeout < TimeSpan.FromSeconds(1) ? $"{timeout.TotalMilliseconds:0} ms" : $"{timeout.TotalSeconds:0} s")} ({Path.GetFileName(file)}:{line}).", inner);
}
