using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace ScTransfer.Bench;

/// <summary>
/// Runs inside the relay process (loaded by <see cref="StartupHook"/>), so the relay needs no benchmark code of its
/// own. It counts the relay's outgoing HTTP requests to the Table endpoint's port from the runtime's own
/// <c>http.client.request.duration</c> metric (one measurement per attempt, retries included) and answers every
/// connection to a Unix socket with one line: the bytes allocated so far, then the storage requests by HTTP method
/// (<see cref="Methods"/>, then any other). The metric carries no URL, so the method split is what tells a point read
/// from a write; the relay's only query (the purge) is not scheduled during a benchmark.
/// </summary>
internal static class RelayProbe
{
    public const string SocketVariable = "SCT_BENCH_PROBE_SOCKET";
    public const string StoragePortVariable = "SCT_BENCH_STORAGE_PORT";

    /// <summary>The methods Azure.Data.Tables uses: GET reads, POST inserts, PUT upserts/replaces, MERGE/PATCH merges.</summary>
    public static readonly string[] Methods = ["GET", "POST", "PUT", "MERGE", "PATCH", "DELETE"];

    private static readonly long[] StorageRequests = new long[Methods.Length + 1];

    [SuppressMessage("Reliability", "CA2000:Dispose objects before losing scope",
        Justification = "The meter listener and the probe socket serve the relay process until it exits.")]
    public static void Start()
    {
        var socketPath = Environment.GetEnvironmentVariable(SocketVariable);
        if (string.IsNullOrEmpty(socketPath))
        {
            return;
        }

        var storagePort = int.Parse(Environment.GetEnvironmentVariable(StoragePortVariable) ?? "10002", CultureInfo.InvariantCulture);
        var requests = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.request.duration")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        requests.SetMeasurementEventCallback<double>((_, _, tags, _) =>
        {
            var toStorage = false;
            var method = Methods.Length;
            foreach (var tag in tags)
            {
                if (tag.Key == "server.port" && tag.Value is int port)
                {
                    toStorage = port == storagePort;
                }
                else if (tag.Key == "http.request.method" && tag.Value is string name)
                {
                    var known = Array.IndexOf(Methods, name);
                    method = known < 0 ? Methods.Length : known;
                }
            }

            if (toStorage)
            {
                Interlocked.Increment(ref StorageRequests[method]);
            }
        });
        requests.Start();

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        socket.Listen();
        new Thread(() =>
        {
            while (true)
            {
                using var client = socket.Accept();
                var counts = Enumerable.Range(0, StorageRequests.Length).Select(i => Interlocked.Read(ref StorageRequests[i]).ToString(CultureInfo.InvariantCulture));
                var line = GC.GetTotalAllocatedBytes(precise: false).ToString(CultureInfo.InvariantCulture) + " " + string.Join(' ', counts) + "\n";
                client.Send(Encoding.ASCII.GetBytes(line));
            }
        })
        { IsBackground = true, Name = "bench probe" }.Start();
    }

    /// <summary>Asks a relay's probe (driver side).</summary>
    public static async Task<ProbeReading> ReadAsync(string socketPath)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath));
        await using var stream = new NetworkStream(socket);
        using var reader = new StreamReader(stream, Encoding.ASCII);
        var fields = (await reader.ReadLineAsync())!.Split(' ').Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return new ProbeReading(fields[0], fields[1..]);
    }
}

/// <summary>What the probe in the relay reported: bytes allocated, storage requests per method (as <see cref="RelayProbe.Methods"/>, then other).</summary>
internal sealed record ProbeReading(long AllocatedBytes, long[] StorageRequestsByMethod)
{
    public long StorageRequests => StorageRequestsByMethod.Sum();
}
