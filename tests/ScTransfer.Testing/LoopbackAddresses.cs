using System.Net;
using System.Net.Sockets;

namespace ScTransfer.Testing;

/// <summary>
/// Clients at addresses of their own, so that the relay sees several: Linux routes all of 127.0.0.0/8 to the loopback
/// interface, so a socket bound to 127.0.0.2 reaches a relay listening on 127.0.0.1 and arrives with that source address.
/// </summary>
public static class LoopbackAddresses
{
    /// <summary>127.0.0.<paramref name="last"/>.</summary>
    public static IPAddress At(byte last) => new([127, 0, 0, last]);

    /// <summary>A TCP connection to the relay from <paramref name="local"/>.</summary>
    public static Task<Socket> ConnectFromAsync(IPAddress local, Uri relay, CancellationToken cancellationToken) =>
        ConnectAsync(NewSocket(local), local, relay, cancellationToken);

    /// <summary>An HttpClient whose every connection comes from <paramref name="local"/>.</summary>
    public static HttpClient HttpClientFrom(IPAddress local, Uri relay) => HttpClientFrom(relay, cancellationToken => ConnectFromAsync(local, relay, cancellationToken));

    /// <summary>An unconnected TCP socket of <paramref name="local"/>'s address family.</summary>
    internal static Socket NewSocket(IPAddress local) => new(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };

    /// <summary>Binds <paramref name="socket"/> to <paramref name="local"/> and connects it to the relay; disposes it on failure.</summary>
    internal static async Task<Socket> ConnectAsync(Socket socket, IPAddress local, Uri relay, CancellationToken cancellationToken)
    {
        try
        {
            socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(relay.DnsSafeHost), relay.Port), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>An HttpClient whose every connection comes from <paramref name="connect"/>.</summary>
    internal static HttpClient HttpClientFrom(Uri relay, Func<CancellationToken, Task<Socket>> connect) => new(new SocketsHttpHandler
    {
        ConnectCallback = async (context, cancellationToken) => new NetworkStream(await connect(cancellationToken), ownsSocket: true),
    })
    {
        BaseAddress = relay,
        Timeout = TimeSpan.FromSeconds(30),
    };
}
