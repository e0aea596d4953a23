using System.Net;
using System.Net.Sockets;

namespace ScTransfer.Testing;

/// <summary>
/// What the tests' local HTTP stand-ins (the Notification Hubs stand-in, the storage fault proxy) share: an
/// <see cref="HttpListener"/> on a free loopback port, and a loop that hands each request to its own task.
/// </summary>
internal static class LoopbackHttpListener
{
    /// <summary>
    /// Listens on a free loopback port. HttpListener cannot bind port 0: take a free port from the OS, then listen on it,
    /// trying again if another process took the port in between.
    /// </summary>
    public static HttpListener Start(out Uri baseAddress)
    {
        for (var attempt = 0; ; attempt++)
        {
            baseAddress = new Uri($"http://127.0.0.1:{FreePort()}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(baseAddress.AbsoluteUri);
            try
            {
                listener.Start();
                return listener;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close();
            }
        }
    }

    /// <summary>Accepts requests until <paramref name="stopping"/> is cancelled or the listener is closed.</summary>
    public static async Task AcceptAsync(HttpListener listener, Func<HttpListenerContext, Task> handle, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }

            _ = Task.Run(() => handle(context), CancellationToken.None); // each request runs to its own end
        }
    }

    /// <summary>Stops the accept loop: cancels it, closes the listener under it and waits (10 s at most) for it to end.</summary>
    public static async Task StopAsync(HttpListener listener, CancellationTokenSource stopping, Task loop)
    {
        await stopping.CancelAsync();
        listener.Close();
        try
        {
            await loop.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException e) when (!loop.IsCompleted)
        {
            throw new TimeoutException("A loopback listener's accept loop did not end within 10 s of closing the listener.", e);
        }
        catch (Exception)
        {
            // the listener was closed under the accept loop
        }

        stopping.Dispose();
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
