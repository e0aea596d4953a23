using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;

namespace ScTransfer.Testing;

/// <summary>
/// An Azurite Table service of a test's own, on a free port with its own data directory, that the test may kill and
/// start again (same port, same directory, so data persists). The shared emulator on 10002 is never touched.
/// </summary>
public sealed class DedicatedAzurite : IDisposable
{
    private readonly string _location;
    private Process? _process;

    private DedicatedAzurite(int port, string location)
    {
        Port = port;
        _location = location;
    }

    public int Port { get; }

    /// <summary>A key-based connection string for this emulator (the well-known development account).</summary>
    public string ConnectionString => Azurite.ConnectionStringFor(Port);

    public bool IsRunning => _process is { HasExited: false };

    public static DedicatedAzurite Start()
    {
        var azurite = new DedicatedAzurite(FreePort(), Directory.CreateTempSubdirectory("azurite-dedicated-").FullName);
        azurite.StartAgain();
        return azurite;
    }

    public TableServiceClient CreateServiceClient(TableClientOptions? options = null) => new(ConnectionString, options ?? new TableClientOptions());

    /// <summary>Kills the emulator at once, as a crash would: in-flight requests see their connections reset.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            if (!_process.WaitForExit(TimeSpan.FromSeconds(30)))
            {
                throw new TimeoutException($"The dedicated Azurite (process {_process.Id}) did not exit within 30 s of being killed.");
            }
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Starts the emulator on the same port over the same data directory; returns once it listens.</summary>
    public void StartAgain()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException("This Azurite is already running.");
        }

        var executable = Path.Combine(Repository.Root, "node_modules", ".bin", "azurite-table");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException("Azurite is not installed: run `npm ci` in the repository root (scripts/test.sh does).");
        }

        _process = Process.Start(new ProcessStartInfo(executable,
            ["--tableHost", "127.0.0.1", "--tablePort", Port.ToString(CultureInfo.InvariantCulture),
             "--location", _location, "--skipApiVersionCheck", "--disableTelemetry", "--silent"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        Timeouts.WaitUntil(() => _process.HasExited || Azurite.IsListening(Port), TimeSpan.FromSeconds(30), () => $"Azurite did not start listening on port {Port}");
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"Azurite exited before it listened on port {Port} (exit code {_process.ExitCode}).");
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Kill();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
            // a file still held open: the temp directory is cleaned up later
        }
    }
}
