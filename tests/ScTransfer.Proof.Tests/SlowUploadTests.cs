using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// docs/security.md, "Slow uploads", on the self-hosted runner (under the Functions host the host buffers a body before
/// the worker sees it): one address opens 135 creates and updates declaring 150,000-byte bodies and trickles them at
/// 1,500 B/s, above Kestrel's minimum data rate. Once that took all 128 of the instance's places for minutes. Now the
/// attacker holds only its own 32, the rest are refused at once, the held ones end with 408 at the body bound, the log
/// gets a summary rather than a line per refusal, and a bystander at another address completes whole transfers with
/// every request answered 200 at once (<see cref="Bystander.ServedBound"/>).
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class SlowUploadTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Uploads = 135, DeclaredLength = 150_000, BytesPerSecond = 1_500, ClientCap = 32;

    /// <summary>Shorter than the default 20 s so the test stays short; every other limit is the default.</summary>
    private static readonly TimeSpan BodyTimeout = TimeSpan.FromSeconds(8);

    /// <summary>Refused "at once": the held uploads are answered only at the body bound, seconds later.</summary>
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(4);

    private RelayHost _relay = null!;

    public async Task InitializeAsync() => _relay = await RelayHost.StartAsync(new Dictionary<string, string>
    {
        ["RateLimiting__BodyTimeout"] = "00:00:08",
        ["Logging__LogLevel__Default"] = "Information", // as deployed: what an attacker could make the relay write
    });

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task Slow_uploads_from_one_address_hold_only_that_addresss_places_and_a_bystander_is_served_throughout()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var logLinesBefore = _relay.LogLines.Count;
        using var http = LoopbackPeers.HttpClientFrom(LoopbackPeers.Bystander, _relay.BaseAddress);
        var bystander = new Bystander(http);
        await bystander.WarmUpAsync();
        var uploads = new List<SlowUpload>();
        for (var i = 0; i < Uploads; i++)
        {
            uploads.Add(await SlowUpload.StartAsync(_relay.BaseAddress, i % 2 == 0 ? "POST /v1/m" : $"PUT /v1/m/{RelayClient.NewId()}", timeout.Token));
        }

        var trickling = TrickleAsync(uploads, timeout.Token);
        await bystander.RunAsync(TimeSpan.FromSeconds(5)); // while the held uploads are still trickling
        await Task.WhenAll(uploads.Select(u => u.Answer)).WaitAsync(BodyTimeout + TimeSpan.FromSeconds(10), timeout.Token);
        await timeout.CancelAsync();
        await trickling;

        var logged = _relay.LogLines.Skip(logLinesBefore).ToList();
        output.WriteLine($"attacker: {string.Join(", ", uploads.GroupBy(u => (u.Status, Late: u.AnsweredAfter >= AtOnce)).Select(g => $"{g.Count()} × {g.Key.Status}{(g.Key.Late ? " late" : "")}"))}");
        output.WriteLine($"bystander: {bystander.Transfers} transfers, slowest request {bystander.Requests.Max(r => r.Took).TotalMilliseconds:0} ms");
        output.WriteLine(string.Join('\n', logged));

        bystander.AssertServed(transfers: 3);
        var refusedAtOnce = uploads.Count(u => u.Status == 429 && u.AnsweredAfter < AtOnce);
        var closedAtOnce = uploads.Count(u => u.Status == 0 && u.AnsweredAfter < AtOnce);
        var held = uploads.Where(u => u.AnsweredAfter >= AtOnce).ToList();
        Assert.Equal(ClientCap, held.Count); // one address holds its own places, no more
        Assert.Equal(Uploads - ClientCap, refusedAtOnce + closedAtOnce); // the rest: 429 at once, or closed by the connection cap (128)
        Assert.InRange(closedAtOnce, 0, Uploads - 128);
        Assert.All(held, u => Assert.InRange(u.AnsweredAfter, BodyTimeout - TimeSpan.FromSeconds(1), BodyTimeout + TimeSpan.FromSeconds(8)));
        Assert.True(held.Count(u => u.Status == 408) >= held.Count / 2, "held uploads end with 408: " + string.Join(",", held.Select(u => u.Status)));

        // A summary per reason, not a line per refusal: the relay wrote a handful of lines for 135 refusals.
        Assert.Contains(logged, l => l.Contains("(concurrency.client)", StringComparison.Ordinal));
        Assert.Contains(logged, l => l.Contains("(body.too_slow)", StringComparison.Ordinal));
        Assert.True(logged.Count <= 12, "log lines during the attack:\n" + string.Join('\n', logged));
    }

    /// <summary>Writes 150 bytes to every upload still open, ten times a second (1,500 B/s each), until cancelled.</summary>
    private static async Task TrickleAsync(List<SlowUpload> uploads, CancellationToken cancellationToken)
    {
        var piece = Encoding.ASCII.GetBytes(new string(' ', BytesPerSecond / 10));
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var upload in uploads)
                {
                    await upload.SendAsync(piece);
                }

                await Task.Delay(100, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            uploads.ForEach(u => u.Dispose());
        }
    }

    /// <summary>One request from the attacker's address that declares a large body and sends it slowly.</summary>
    private sealed class SlowUpload : IDisposable
    {
        private readonly Socket _socket;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _sent;

        private SlowUpload(Socket socket, CancellationToken cancellationToken)
        {
            _socket = socket;
            Answer = ReadAnswerAsync(cancellationToken);
        }

        /// <summary>Completes with the relay's answer.</summary>
        public Task Answer { get; }

        /// <summary>The status of the relay's answer, 0 when it closed the connection without one.</summary>
        public int Status { get; private set; }

        public TimeSpan AnsweredAfter { get; private set; }

        public static async Task<SlowUpload> StartAsync(Uri relay, string requestLine, CancellationToken cancellationToken)
        {
            var socket = await LoopbackPeers.ConnectFromAsync(LoopbackPeers.Attacker, relay, cancellationToken);
            var head = $"{requestLine} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {RelayClient.NewId()}\r\nContent-Type: application/json\r\n"
                + $"Content-Length: {DeclaredLength}\r\n\r\n{{\"payload\":";
            var upload = new SlowUpload(socket, cancellationToken);
            await upload.SendAsync(Encoding.ASCII.GetBytes(head));
            return upload;
        }

        public async Task SendAsync(byte[] bytes)
        {
            if (Answer.IsCompleted || _sent + bytes.Length > DeclaredLength + 200)
            {
                return; // answered: stop, as a client reading its answer would
            }

            try
            {
                _sent += await _socket.SendAsync(bytes, SocketFlags.None);
            }
            catch (SocketException)
            {
                // closed by the relay; the answer (or its absence) says why
            }
        }

        public void Dispose() => _socket.Dispose();

        private async Task ReadAnswerAsync(CancellationToken cancellationToken)
        {
            await Task.Yield();
            Status = await LoopbackPeers.ReadStatusAsync(_socket, cancellationToken);
            AnsweredAfter = _clock.Elapsed;
        }
    }
}
