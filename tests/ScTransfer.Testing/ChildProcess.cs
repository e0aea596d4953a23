using System.Diagnostics;
using System.Text.RegularExpressions;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Testing;

/// <summary>
/// A relay (or host) process started by the tests or the benchmark: every line it writes to standard output and error
/// goes to a callback, and disposing it kills its whole tree. <see cref="StartSelfHostAsync"/> starts the self-hosted
/// runner (src/ScTransfer.SelfHost) on a free loopback port and waits until it listens. No xunit here: the benchmark
/// (bench/ScTransfer.Bench) compiles this file into itself.
/// </summary>
internal sealed partial class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts <paramref name="fileName"/> with the given environment on top of this process's (a null value removes a
    /// variable); each output line goes to <paramref name="onLine"/>, from any thread.
    /// </summary>
    public static ChildProcess Start(
        string fileName, IEnumerable<string> arguments, string workingDirectory, IEnumerable<KeyValuePair<string, string?>> environment, Action<string> onLine)
    {
        var start = new ProcessStartInfo(fileName, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process);

        void Forward(string? line)
        {
            if (line is not null)
            {
                onLine(line);
            }
        }
    }

    /// <summary>
    /// Starts the self-hosted runner's DLL on <paramref name="urls"/> (a free port of 127.0.0.1 by default) and returns
    /// once it says where it listens and, with <paramref name="waitForTables"/>, that its mailbox table is ready. A start-up that
    /// exits or overruns <paramref name="timeout"/> throws with every line the runner wrote. The process is started before
    /// the first await, on the calling thread.
    /// </summary>
    public static Task<(ChildProcess Process, Uri BaseAddress)> StartSelfHostAsync(
        string dll, IEnumerable<KeyValuePair<string, string?>> environment, Action<string> onLine, TimeSpan timeout, bool waitForTables = true,
        string urls = "http://127.0.0.1:0") =>
        StartRunnerAsync("dotnet", [dll, "--urls", urls], Path.GetDirectoryName(dll)!, environment, onLine, timeout, waitForTables);

    /// <summary><see cref="StartSelfHostAsync"/> for any command that writes the runner's start-up lines.</summary>
    internal static async Task<(ChildProcess Process, Uri BaseAddress)> StartRunnerAsync(
        string fileName, IEnumerable<string> arguments, string workingDirectory, IEnumerable<KeyValuePair<string, string?>> environment,
        Action<string> onLine, TimeSpan timeout, bool waitForTables)
    {
        var startup = new List<string>();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var child = Start(fileName, arguments, workingDirectory, environment, line =>
        {
            onLine(line);
            // Both lines, in either order: the tables are created in the background while Kestrel starts.
            if (listening.Task.IsCompleted && ready.Task.IsCompleted)
            {
                return;
            }

            lock (startup)
            {
                startup.Add(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
            }

            if (RelayEventOf(line) == EventIds.MailboxTableReady)
            {
                ready.TrySetResult();
            }
        });

        string Startup()
        {
            lock (startup)
            {
                return string.Join('\n', startup);
            }
        }

        var started = waitForTables ? Task.WhenAll(listening.Task, ready.Task) : listening.Task;
        // Exited can come before the last output lines are read; WaitForExitAsync waits for both streams to end.
        var exited = child._process.WaitForExitAsync();
        var first = await Task.WhenAny(started, exited, Task.Delay(timeout)).ConfigureAwait(false);
        if (first != started)
        {
            await child.DisposeAsync().ConfigureAwait(false);
            throw first == exited
                ? new InvalidOperationException("The relay exited during start-up:\n" + Startup())
                : new TimeoutException($"The relay did not start within {timeout.TotalSeconds:0} s:\n" + Startup());
        }

        return (child, await listening.Task.ConfigureAwait(false));
    }

    /// <summary>Waits until the process has exited and both output streams are read to the end.</summary>
    public Task WaitForExitAsync() => _process.WaitForExitAsync();

    /// <summary>
    /// The event id of the relay's line that <paramref name="line"/> begins (the console's simple format writes
    /// <c>info: ScTransfer.…Category[1101]</c> before the message), or null.
    /// </summary>
    private static int? RelayEventOf(string line) => RelayEventHeader().Match(line) is { Success: true } match
        ? int.Parse(match.Groups[1].ValueSpan, System.Globalization.CultureInfo.InvariantCulture)
        : null;

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    [GeneratedRegex(@"^[a-z]{4}: ScTransfer\.[\w.]+\[(\d+)\]$")]
    private static partial Regex RelayEventHeader();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            try
            {
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30)).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException($"Process {_process.Id} ({_process.StartInfo.FileName}) or its output did not end within 30 s of being killed.", e);
            }
        }

        _process.Dispose();
    }
}
