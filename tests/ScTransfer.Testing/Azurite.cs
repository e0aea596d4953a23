using System.Diagnostics;
using System.Net.Sockets;
using Azure.Data.Tables;

namespace ScTransfer.Testing;

/// <summary>
/// The real Table storage emulator. Uses the Azurite already listening on the table port (scripts/test.sh starts one)
/// or starts one from the repository's node_modules, so `dotnet test` alone also works after `npm ci`.
/// </summary>
public sealed class Azurite : IDisposable
{
    public const string ConnectionString = "UseDevelopmentStorage=true";
    public const int TablePort = 10002;

    /// <summary>The well-known key of Azurite's development account (public, in Azurite's own documentation).</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    /// <summary>
    /// A connection string for a table endpoint nobody listens on (the discard port, 9): every storage call fails at
    /// once with a connection error, which the relay must answer with 503.
    /// </summary>
    public static readonly string UnreachableConnectionString = ConnectionStringFor(9);

    /// <summary>A key-based connection string for the development account with its table endpoint on <paramref name="port"/>.</summary>
    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};TableEndpoint=http://127.0.0.1:{port}/devstoreaccount1;";

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
        var deadline = Stopwatch.StartNew();
        while (!IsListening())
        {
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException("Azurite did not start listening on port 10002 within 30 s.");
            }

            Thread.Sleep(100);
        }

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
