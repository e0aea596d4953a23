using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>An attacker and a bystander on distinct loopback addresses (<see cref="LoopbackAddresses"/>), so that the relay sees two clients.</summary>
internal static class LoopbackPeers
{
    public static readonly IPAddress Attacker = IPAddress.Parse("127.0.0.2");

    public static readonly IPAddress Bystander = IPAddress.Parse("127.0.0.3");

    /// <summary>A TCP connection to the relay from <paramref name="local"/>.</summary>
    public static Task<Socket> ConnectFromAsync(IPAddress local, Uri relay, CancellationToken cancellationToken) =>
        LoopbackAddresses.ConnectFromAsync(local, relay, cancellationToken);

    /// <summary>An HttpClient whose every connection comes from <paramref name="local"/>.</summary>
    public static HttpClient HttpClientFrom(IPAddress local, Uri relay) => LoopbackAddresses.HttpClientFrom(local, relay);

    /// <summary>
    /// The status code of the first answer on <paramref name="socket"/>, or 0 when the relay closed or reset the
    /// connection without one.
    /// </summary>
    public static async Task<int> ReadStatusAsync(Socket socket, CancellationToken cancellationToken)
    {
        var buffer = new byte[512];
        var received = 0;
        try
        {
            while (received < 12)
            {
                var read = await socket.ReceiveAsync(buffer.AsMemory(received), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    return 0;
                }

                received += read;
            }
        }
        catch (SocketException)
        {
            return 0; // reset
        }

        return int.Parse(Encoding.ASCII.GetString(buffer, 9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// A bystander at its own address completing whole stateless transfers (draft §3.1: create, preview, the read that
/// binds, delete) while an attack runs, timing every request. Four transfers a second at most, so that it stays within
/// its own create bucket (a burst of 60) for the length of a test.
/// </summary>
internal sealed class Bystander(HttpClient http)
{
    /// <summary>
    /// What "served" means while an attack runs: each request answered 200 within this. Unhurt, a request takes
    /// milliseconds; what the attacks used to do was tens of seconds. The bound leaves room for two busy cores.
    /// </summary>
    public static readonly TimeSpan ServedBound = TimeSpan.FromSeconds(3);

    private readonly RelayClient _relay = new(http);

    public List<(string Step, HttpStatusCode Status, TimeSpan Took, string? Detail)> Requests { get; } = [];

    public int Transfers { get; private set; }

    public async Task RunAsync(TimeSpan duration)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < duration && Requests.TrueForAll(r => r.Status == HttpStatusCode.OK))
        {
            await TransferAsync(TimedAsync);
            Transfers++;
            await Task.Delay(250); // its pace: within its own create bucket
        }
    }

    /// <summary>One whole transfer before the attack, untimed: the relay's first requests pay for JIT and cold connections.</summary>
    public Task WarmUpAsync() => TransferAsync(async (_, send) => (await send()).Dispose());

    /// <summary>Create, preview, the read that binds, delete: each request through <paramref name="step"/>.</summary>
    private async Task TransferAsync(Func<string, Func<Task<HttpResponseMessage>>, Task> step)
    {
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        await step("create", () => _relay.CreateAsync(RelayClient.CreateBody(id, accessRights: "RD"), sender, RelayClient.NewId()));
        await step("preview", () => _relay.PreviewAsync(id));
        await step("read", () => _relay.ReadAsync(id, receiver));
        await step("delete", () => _relay.DeleteAsync(id, receiver));
    }

    /// <summary>Every request answered 200 within <see cref="ServedBound"/>, over at least <paramref name="transfers"/> whole transfers.</summary>
    public void AssertServed(int transfers)
    {
        Assert.True(Transfers >= transfers, $"the bystander completed {Transfers} transfers");
        var late = Requests.Where(r => r.Status != HttpStatusCode.OK || r.Took > ServedBound).ToList();
        Assert.True(late.Count == 0, $"{late.Count} of {Requests.Count} bystander requests not answered 200 in time, the first: "
            + string.Join(", ", late.Take(8).Select(r => $"{r.Step} {(int)r.Status} in {r.Took.TotalMilliseconds:0} ms {r.Detail}")));
    }

    private async Task TimedAsync(string step, Func<Task<HttpResponseMessage>> send)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        string? detail = null;
        try
        {
            using var response = await send();
            var body = await response.Content.ReadAsStringAsync();
            status = response.StatusCode;
            detail = status == HttpStatusCode.OK ? null : body;
        }
        catch (HttpRequestException ex)
        {
            status = 0; // no answer at all: the attack this proves against
            detail = ex.Message;
        }

        Requests.Add((step, status, clock.Elapsed, detail));
    }
}
