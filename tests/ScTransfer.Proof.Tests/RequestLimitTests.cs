using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>Size limits hold before a body is read whole, header limits hold, and JSON nesting is bounded at 8 levels.</summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class RequestLimitTests : IAsyncLifetime
{
    private RelayHost _relay = null!;

    public async Task InitializeAsync() => _relay = await RelayHost.StartAsync();

    public async Task DisposeAsync() => await _relay.DisposeAsync();

    [Fact]
    public async Task A_declared_oversize_body_is_refused_before_a_byte_of_it_is_sent()
    {
        // 100 MB declared, nothing sent: the 413 can only come from the declared length.
        var head = $"POST /v1/m HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {RelayClient.NewId()}\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n";
        var (status, took) = await RawAsync(Encoding.ASCII.GetBytes(head), body: null);
        Assert.Equal(413, status);
        Assert.True(took < TimeSpan.FromSeconds(15), $"took {took}"); // not the 20 s body timeout of a relay that waited for it
    }

    [Fact]
    public async Task A_chunked_body_is_refused_once_it_passes_the_limit_while_the_client_is_still_sending()
    {
        // 8 MB offered in 64 KB chunks with no end: the relay answers at the limit instead of reading on.
        var head = $"PUT /v1/m/{RelayClient.NewId()} HTTP/1.1\r\nHost: relay\r\ndeviceClaim: {RelayClient.NewId()}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
        var chunk = Encoding.ASCII.GetBytes($"{64 * 1024:X}\r\n" + new string('A', 64 * 1024) + "\r\n");
        var (status, _) = await RawAsync(Encoding.ASCII.GetBytes(head), Enumerable.Repeat(chunk, 128));
        Assert.Equal(413, status);
    }

    [Theory]
    [InlineData(17 * 1024, 1)]
    [InlineData(64, 60)]
    public async Task Oversize_or_too_many_headers_get_431(int headerLength, int headerCount)
    {
        using var http = _relay.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/m/" + RelayClient.NewId());
        for (var i = 0; i < headerCount; i++)
        {
            request.Headers.TryAddWithoutValidation("X-Padding-" + i, new string('p', headerLength));
        }

        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task A_request_line_over_4_KB_gets_414()
    {
        using var http = _relay.CreateClient();
        using var response = await http.GetAsync("v1/m/" + new string('a', 5000));
        Assert.Equal(HttpStatusCode.RequestUriTooLong, response.StatusCode);
    }

    [Theory]
    [InlineData(8, HttpStatusCode.OK)]
    [InlineData(9, HttpStatusCode.BadRequest)]
    [InlineData(10_000, HttpStatusCode.BadRequest)]
    public async Task Json_nesting_is_accepted_up_to_8_levels_and_refused_beyond(int depth, HttpStatusCode expected)
    {
        // The root object is level 1; an unknown member nests depth - 1 arrays below it.
        var body = RelayClient.CreateBody(RelayClient.NewId(), RelayClient.RandomPayloadData()).ToJsonString();
        var nested = new string('[', depth - 1) + new string(']', depth - 1);
        var json = body.Insert(1, "\"deep\":" + nested + ",");
        using var http = _relay.CreateClient();
        using var request = RelayClient.RawRequest(HttpMethod.Post, "v1/m", RelayClient.NewId(), new StringContent(json, Encoding.UTF8, "application/json"));
        using var response = await http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    /// <summary>Sends a head, then body pieces until the relay answers or closes; the status and how long it took.</summary>
    private async Task<(int Status, TimeSpan Took)> RawAsync(byte[] head, IEnumerable<byte[]>? body)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var client = new TcpClient();
        await client.ConnectAsync(_relay.BaseAddress.Host, _relay.BaseAddress.Port, timeout.Token);
        var stream = client.GetStream();
        var clock = Stopwatch.StartNew();
        await stream.WriteAsync(head, timeout.Token);
        var reading = ReadStatusAsync(stream, timeout.Token);
        foreach (var piece in body ?? [])
        {
            if (reading.IsCompleted)
            {
                break; // answered before the whole body was offered
            }

            try
            {
                await stream.WriteAsync(piece, timeout.Token);
            }
            catch (IOException)
            {
                break; // the relay closed the connection after answering
            }
        }

        return (await reading, clock.Elapsed);
    }

    private static async Task<int> ReadStatusAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[1024];
        var received = 0;
        while (received < 12)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(received), cancellationToken);
            if (read == 0)
            {
                return 0;
            }

            received += read;
        }

        return int.Parse(Encoding.ASCII.GetString(buffer, 9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }
}
