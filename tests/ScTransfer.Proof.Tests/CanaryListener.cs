using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// A loopback HTTP listener that hostile payloads try to reach (fetch, navigation, images, CSS). Every request it gets
/// is recorded: an empty record after a page ran means no payload ran. It can also serve a page of its own, without
/// any Content-Security-Policy, for the positive control.
/// </summary>
internal sealed class CanaryListener : IAsyncDisposable
{
    private const string SettlePath = "settle";

    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<string> _hits = new();
    private readonly ConcurrentDictionary<string, string> _pages = new(StringComparer.Ordinal);
    private readonly Task _loop;

    public CanaryListener()
    {
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}/");
        }

        _listener.Prefixes.Add(BaseAddress.AbsoluteUri);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseAddress { get; }

    /// <summary>Paths requested so far, except the pages it serves.</summary>
    public IReadOnlyList<string> Hits => [.. _hits];

    /// <summary>
    /// Requests it once more itself and waits for the answer: it answers one request at a time, in the order they came, so
    /// every request that reached it before (a late beacon of a page that has closed) is in <see cref="Hits"/> by then.
    /// </summary>
    public async Task SettleAsync()
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = Timeouts.Default };
        using var answer = await http.GetAsync(SettlePath);
        answer.EnsureSuccessStatusCode();
    }

    public Uri Serve(string path, string html)
    {
        _pages[path] = html;
        return new Uri(BaseAddress, path);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            var path = context.Request.Url!.AbsolutePath.TrimStart('/');
            if (_pages.TryGetValue(path, out var page))
            {
                var bytes = Encoding.UTF8.GetBytes(page);
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.OutputStream.Write(bytes);
            }
            else if (path != SettlePath)
            {
                _hits.Enqueue(path);
            }

            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop.DefaultTimeout();
    }
}
