using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace ScTransfer.Bench;

/// <summary>
/// The self-hosted relay (src/ScTransfer.SelfHost) as its own process, started with the settings a deployment would
/// use (log levels left at the relay's defaults) plus the benchmark's probe loaded as a startup hook. The process id
/// gives its RSS and CPU time from /proc; the probe gives its allocations and storage requests.
/// </summary>
internal sealed partial class RelayProcess : IAsyncDisposable
{
    private readonly Process _process;
    private long _logLines;

    private RelayProcess(Process process, string probeSocket, string[] tables)
    {
        _process = process;
        ProbeSocket = probeSocket;
        Tables = tables;
    }

    /// <summary>The relay's mailbox table, for clean-up.</summary>
    public IReadOnlyList<string> Tables { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public string ProbeSocket { get; }

    public int Id => _process.Id;

    /// <summary>Lines the relay wrote to standard output and error (its console log).</summary>
    public long LogLines => Interlocked.Read(ref _logLines);

    /// <param name="relayDll">The self-hosted runner's DLL (ScTransfer.SelfHost.dll), started with <c>dotnet</c>.</param>
    /// <param name="storageConnectionString">The Table storage the relay uses (Azurite).</param>
    /// <param name="storagePort">Azurite's Table port, for the relay's storage settings.</param>
    /// <param name="environment">Extra <c>NAME=value</c> settings for A/B runs (e.g. <c>DOTNET_gcServer=0</c>).</param>
    public static async Task<RelayProcess> StartAsync(string relayDll, string storageConnectionString, int storagePort, IEnumerable<string> environment)
    {
        var probeSocket = Path.Combine(Path.GetTempPath(), $"sct-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var start = new ProcessStartInfo("dotnet", [relayDll, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(relayDll)!,
        };
        var suffix = Guid.NewGuid().ToString("N")[..10];
        start.Environment["Relay__PublicBaseUrl"] = "https://relay.bench.example";
        start.Environment["Relay__ClaimHashKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        start.Environment["Relay__TokenEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        start.Environment["Storage__ConnectionString"] = storageConnectionString;
        start.Environment["Storage__MailboxTable"] = "benchmbx" + suffix;
        start.Environment["PurgeSchedule"] = "0 0 0 1 1 *"; // mailboxes live an hour: a purge would find nothing due
        start.Environment["RateLimiting__Enabled"] = "false"; // the load comes from one address: it measures throughput, not limits
        start.Environment["DOTNET_STARTUP_HOOKS"] = typeof(RelayProcess).Assembly.Location;
        start.Environment[RelayProbe.SocketVariable] = probeSocket;
        start.Environment[RelayProbe.StoragePortVariable] = storagePort.ToString(CultureInfo.InvariantCulture);
        foreach (var setting in environment)
        {
            var (name, value) = setting.Split('=', 2) is [var n, var v] ? (n, v) : throw new ArgumentException($"--relay-env wants NAME=value, not '{setting}'.");
            start.Environment[name] = value;
        }

        var relay = new RelayProcess(Process.Start(start)!, probeSocket, ["benchmbx" + suffix, "benchexp" + suffix]);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var startup = new List<string>();
        void Collect(string? line)
        {
            if (line is null)
            {
                return;
            }

            Interlocked.Increment(ref relay._logLines);
            if (ready.Task.IsCompleted)
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

            if (line.Contains("Mailbox tables are ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        relay._process.OutputDataReceived += (_, e) => Collect(e.Data);
        relay._process.ErrorDataReceived += (_, e) => Collect(e.Data);
        relay._process.BeginOutputReadLine();
        relay._process.BeginErrorReadLine();

        var both = Task.WhenAll(listening.Task, ready.Task);
        if (await Task.WhenAny(both, Task.Delay(TimeSpan.FromSeconds(90))) != both || relay._process.HasExited)
        {
            await relay.DisposeAsync();
            lock (startup)
            {
                throw new InvalidOperationException("The relay did not start (listening, tables ready) within 90 s:\n" + string.Join('\n', startup));
            }
        }

        relay.BaseAddress = await listening.Task;
        return relay;
    }

    /// <summary>Resident set size (VmRSS of /proc/{pid}/status) in bytes.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    public TimeSpan CpuTime() => CpuTimeOf(Id);

    /// <summary>User plus system CPU time a process has used so far (/proc/{pid}/stat).</summary>
    public static TimeSpan CpuTimeOf(int processId)
    {
        var stat = File.ReadAllText($"/proc/{processId}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' '); // fields from the 3rd (state) on
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        File.Delete(ProbeSocket);
    }
}
