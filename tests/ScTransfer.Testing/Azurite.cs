using System.Diagnostics;
using System.Net.Sockets;
using Azure.Data.Tables;

namespace ScTransfer.Testing;

/// <summary>
/// The real Table storage emulator. Uses the Azurite already listening on the table port (scripts/test.sh starts one)
/// or starts one from the repository's node_modules, so `dotnet test` alone also works after `npm ci`. Its account facts
/// are in Azurite.Account.cs, which the bench compiles too.
/// </summary>
public sealed partial class Azurite : IDisposable
{
    private static readonly Lock Gate = new();
    private static Azurite? _shared;
    private Process? _process;

    private Azurite()
    {
    }

    /// <summary>One emulator per test process.</summary>
    public static Azurite Shared
    {
        get
        {
            lock (Gate)
            {
                return _shared ??= Start();
            }
        }
    }

    /// <summary>A client of the shared emulator (started on first use).</summary>
    public static TableServiceClient CreateServiceClient(TableClientOptions? options = null)
    {
        _ = Shared;
        return new TableServiceClient(ConnectionString, options ?? new TableClientOptions());
    }

    /// <summary>A fresh, unique table name so tests never see each other's entities.</summary>
    public static string UniqueTableName(string prefix) => prefix + Guid.NewGuid().ToString("N")[..12];

    public static bool IsListening(int port = TablePort)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static Azurite Start()
    {
        var azurite = new Azurite();
        if (IsListening())
        {
            return azurite;
        }

        var executable = Path.Combine(Repository.Root, "node_modules", ".bin", "azurite-table");
        if (!File.Exists(executable))
        {
            throw new InvalidOperationException("Azurite is not running and not installed: run `npm ci` in the repository root (scripts/test.sh does).");
        }

        var location = Directory.CreateTempSubdirectory("azurite-tests-").FullName;
        azurite._process = Process.Start(new ProcessStartInfo(executable,
            ["--tableHost", "127.0.0.1", "--tablePort", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--location", location, "--skipApiVersionCheck", "--disableTelemetry", "--silent"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        });
        Timeouts.WaitUntil(() => IsListening(), TimeSpan.FromSeconds(30), () => $"Azurite did not start listening on port {TablePort}");

        AppDomain.CurrentDomain.ProcessExit += (_, _) => azurite.Dispose();
        return azurite;
    }

    public void Dispose()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
        }

        _process?.Dispose();
        _process = null;
    }
}
