using System.Globalization;
using System.Security.Cryptography;
using ScTransfer.Testing;

namespace ScTransfer.Bench;

/// <summary>
/// The self-hosted relay (src/ScTransfer.SelfHost) as its own process, started by the launcher the tests use
/// (<see cref="ChildProcess"/>) with the settings a deployment would use (log levels left at the relay's defaults) plus
/// the benchmark's probe loaded as a startup hook. The process id gives its RSS and CPU time from /proc; the probe gives
/// its allocations and storage requests.
/// </summary>
internal sealed class RelayProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly Func<long> _logLines;

    private RelayProcess(ChildProcess process, string probeSocket, string[] tables, Func<long> logLines)
    {
        _process = process;
        _logLines = logLines;
        ProbeSocket = probeSocket;
        Tables = tables;
    }

    /// <summary>The relay's mailbox table, for clean-up.</summary>
    public IReadOnlyList<string> Tables { get; }

    public Uri BaseAddress { get; private set; } = null!;

    public string ProbeSocket { get; }

    public int Id => _process.Id;

    /// <summary>Lines the relay wrote to standard output and error (its console log).</summary>
    public long LogLines => _logLines();

    /// <param name="relayDll">The self-hosted runner's DLL (ScTransfer.SelfHost.dll), started with <c>dotnet</c>.</param>
    /// <param name="storageConnectionString">The Table storage the relay uses (Azurite).</param>
    /// <param name="storagePort">Azurite's Table port, for the relay's storage settings.</param>
    /// <param name="environment">Extra <c>NAME=value</c> settings for A/B runs (e.g. <c>DOTNET_gcServer=0</c>).</param>
    public static async Task<RelayProcess> StartAsync(string relayDll, string storageConnectionString, int storagePort, IEnumerable<string> environment)
    {
        var probeSocket = Path.Combine(Path.GetTempPath(), $"sct-bench-{Environment.ProcessId}-{Guid.NewGuid():N}.sock");
        var suffix = Guid.NewGuid().ToString("N")[..10];
        var settings = new Dictionary<string, string?>
        {
            ["Relay__PublicBaseUrl"] = "https://relay.bench.example",
            ["Relay__ClaimHashKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Relay__TokenEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Storage__ConnectionString"] = storageConnectionString,
            ["Storage__MailboxTable"] = "benchmbx" + suffix,
            ["PurgeSchedule"] = "0 0 0 1 1 *", // mailboxes live an hour: a purge would find nothing due
            ["PushRetrySchedule"] = "0 0 0 1 1 *", // the bench's transfers are stateless: nothing to push
            ["RateLimiting__Enabled"] = "false", // the load comes from one address: it measures throughput, not limits
            ["DOTNET_STARTUP_HOOKS"] = typeof(RelayProcess).Assembly.Location,
            [RelayProbe.SocketVariable] = probeSocket,
            [RelayProbe.StoragePortVariable] = storagePort.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var setting in environment)
        {
            var (name, value) = setting.Split('=', 2) is [var n, var v] ? (n, v) : throw new ArgumentException($"--relay-env wants NAME=value, not '{setting}'.");
            settings[name] = value;
        }

        long logLines = 0;
        var (child, baseAddress) = await ChildProcess.StartSelfHostAsync(
            relayDll, settings, _ => Interlocked.Increment(ref logLines), TimeSpan.FromSeconds(90));
        return new RelayProcess(child, probeSocket, ["benchmbx" + suffix, "benchexp" + suffix], () => Interlocked.Read(ref logLines)) { BaseAddress = baseAddress };
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

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        File.Delete(ProbeSocket);
    }
}
