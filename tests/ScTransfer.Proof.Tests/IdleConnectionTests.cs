using System.Diagnostics;
using System.Net.Sockets;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// docs/security.md, "Idle connections", on the self-hosted runner (under Functions the platform owns the connections):
/// one address opens 1,040 TCP connections and sends nothing. Once Kestrel kept 1,024 of them, its ceiling, and closed
/// every other client's connection unanswered for about 35 s. Now the address keeps 128, the rest are closed at once,
/// the kept ones go after the keep-alive timeout (10 s), and a bystander at another address completes whole transfers
/// with every request answered 200 at once (<see cref="Bystander.ServedBound"/>).
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class IdleConnectionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Connections = 1_040, ClientCap = 128;

    private static readonly TimeSpan KeepAliveTimeout = TimeSpan.FromSeconds(10);

    private RelayHost _relay = null!;

    public async Task InitializeAsync() => _relay = await RelayHost.StartAsync(new Dictionary<string, string>
    {
        ["Logging__LogLevel__Default"] = "Information", // as deployed: what an attacker could make the relay write
    });

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task Idle_connections_from_one_address_keep_only_that_addresss_share_and_a_bystander_is_served_throughout()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var logLinesBefore = _relay.LogLines.Count;
        using var http = LoopbackPeers.HttpClientFrom(LoopbackPeers.Bystander, _relay.BaseAddress);
        var bystander = new Bystander(http);
        await bystander.WarmUpAsync();
        var clock = Stopwatch.StartNew();
        var idle = new List<IdleConnection>();
        foreach (var batch in Enumerable.Range(0, Connections).Chunk(80))
        {
            idle.AddRange(await Task.WhenAll(batch.Select(_ => IdleConnection.OpenAsync(_relay.BaseAddress, clock, timeout.Token))));
        }

        try
        {
            var opened = clock.Elapsed;
            await bystander.RunAsync(TimeSpan.FromSeconds(4)); // while the kept connections are still open
            var stillOpenDuringTransfers = idle.Count(c => !c.Closed.IsCompleted);
            await Task.WhenAll(idle.Select(c => c.Closed)).WaitAsync(KeepAliveTimeout + TimeSpan.FromSeconds(10), timeout.Token);

            var logged = _relay.LogLines.Skip(logLinesBefore).ToList();
            var closedAtOnce = idle.Count(c => c.ClosedAfter - c.OpenedAt < TimeSpan.FromSeconds(5)); // the kept ones live 10 s
            output.WriteLine($"opened {Connections} in {opened.TotalMilliseconds:0} ms; {closedAtOnce} closed at once; {stillOpenDuringTransfers} still open after the transfers; "
                + $"the last closed after {idle.Max(c => c.ClosedAfter - c.OpenedAt).TotalSeconds:0.0} s");
            output.WriteLine($"bystander: {bystander.Transfers} transfers, slowest request {bystander.Requests.Max(r => r.Took).TotalMilliseconds:0} ms");
            output.WriteLine(string.Join('\n', logged));

            bystander.AssertServed(transfers: 3);
            Assert.Equal(Connections - ClientCap, closedAtOnce); // one address keeps its share, no more
            Assert.Equal(ClientCap, stillOpenDuringTransfers);
            Assert.All(idle, c => Assert.True(c.ClosedAfter - c.OpenedAt < KeepAliveTimeout + TimeSpan.FromSeconds(4), "an idle connection outlived the keep-alive timeout"));
            Assert.Contains(logged, l => l.Contains("(connections.client)", StringComparison.Ordinal));
            Assert.True(logged.Count <= 8, "log lines during the attack:\n" + string.Join('\n', logged)); // a summary, not 912 lines
        }
        finally
        {
            idle.ForEach(c => c.Dispose());
        }
    }

    /// <summary>A connection from the attacker's address that never sends a byte; <see cref="Closed"/> completes when the relay closes it.</summary>
    private sealed class IdleConnection : IDisposable
    {
        private readonly Socket _socket;
        private readonly Stopwatch _clock;

        private IdleConnection(Socket socket, Stopwatch clock, CancellationToken cancellationToken)
        {
            _socket = socket;
            _clock = clock;
            OpenedAt = clock.Elapsed;
            Closed = WaitForCloseAsync(cancellationToken);
        }

        public TimeSpan OpenedAt { get; }

        public TimeSpan ClosedAfter { get; private set; }

        public Task Closed { get; }

        public static async Task<IdleConnection> OpenAsync(Uri relay, Stopwatch clock, CancellationToken cancellationToken) =>
            new(await LoopbackPeers.ConnectFromAsync(LoopbackPeers.Attacker, relay, cancellationToken), clock, cancellationToken);

        public void Dispose() => _socket.Dispose();

        private async Task WaitForCloseAsync(CancellationToken cancellationToken)
        {
            await Task.Yield();
            var status = await LoopbackPeers.ReadStatusAsync(_socket, cancellationToken);
            Assert.Equal(0, status); // closed without an answer: it asked nothing
            ClosedAfter = _clock.Elapsed;
        }
    }
}
