using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace ScTransfer.Testing;

/// <summary>
/// An HTTP proxy in front of Azurite's table service that forwards every request (so each write is applied) but can
/// hold back chosen answers past the relay's <c>Storage__NetworkTimeout</c>: the storage client then times out and
/// retries a write that has already happened, as it does when Azure answers late. It records every exchange
/// (<see cref="Exchanges"/>: method, path and query, User-Agent, body sizes each way, entity operations), so tests can
/// count what a request costs in storage round trips, entity operations and bytes.
/// </summary>
public sealed partial class StorageFaultProxy : IAsyncDisposable
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Transfer-Encoding", "Content-Length", "Expect", "Proxy-Connection",
    };

    private readonly HttpListener _listener;
    private readonly HttpClient _upstream;
    private readonly ConcurrentQueue<(Func<string, string, bool> Match, Func<CancellationToken, Task> Hold)> _holds = new();
    private readonly ConcurrentQueue<string> _held = new();
    private readonly ConcurrentQueue<StorageExchange> _exchanges = new();
    private volatile TaskCompletionSource _thawed = Thawed();
    private volatile Func<string, string, bool>? _busy;
    private int _busyAnswers;
    private int _inFlight;
    private long _firstFrozen;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;

    private StorageFaultProxy(HttpListener listener, int port, int upstreamPort)
    {
        _listener = listener;
        // The relay's storage client gives up well before this; a hung Azurite then fails the forward, not the test run.
        _upstream = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{upstreamPort}"), Timeout = TimeSpan.FromSeconds(30) };
        Port = port;
        _loop = LoopbackHttpListener.AcceptAsync(_listener, ForwardAsync, _stopping.Token);
    }

    public int Port { get; }

    /// <summary>A connection string with Azurite's development account whose table endpoint is this proxy.</summary>
    public string ConnectionString => Azurite.ConnectionStringFor(Port);

    /// <summary>Requests whose answers were held back, as "METHOD path".</summary>
    public IReadOnlyCollection<string> Held => _held;

    /// <summary>How long the first request held by the current <see cref="Freeze"/> has waited; zero before one came.</summary>
    public TimeSpan FrozenFor => Interlocked.Read(ref _firstFrozen) is var at and > 0 ? Stopwatch.GetElapsedTime(at) : TimeSpan.Zero;

    /// <summary>Every request forwarded to storage so far, in the order its answer came back.</summary>
    public IReadOnlyCollection<StorageExchange> Exchanges => _exchanges;

    /// <summary>A proxy in front of the table service on <paramref name="upstreamPort"/> (the benchmark's own Azurite).</summary>
    public static StorageFaultProxy Start(int upstreamPort)
    {
        var listener = LoopbackHttpListener.Start(out var baseAddress);
        return new StorageFaultProxy(listener, baseAddress.Port, upstreamPort);
    }

    /// <summary>
    /// Holds back the answer to the next request whose method and path (e.g. "PUT", "/devstoreaccount1/t(PartitionKey=...)")
    /// match, for <paramref name="hold"/>, after the request has reached storage.
    /// </summary>
    public void HoldNextAnswer(Func<string, string, bool> match, TimeSpan hold) =>
        _holds.Enqueue((match, cancellationToken => Task.Delay(hold, cancellationToken))); // the write is done; its answer comes too late

    /// <summary>As <see cref="HoldNextAnswer(Func{string, string, bool}, TimeSpan)"/>, until <paramref name="release"/> completes.</summary>
    public void HoldNextAnswer(Func<string, string, bool> match, Task release) =>
        _holds.Enqueue((match, cancellationToken => release.WaitAsync(cancellationToken)));

    /// <summary>
    /// Storage stops answering, as a frozen process would: every request from now on is accepted and then held, neither
    /// forwarded nor answered, until <see cref="Thaw"/>; then the held ones go on to storage (their clients may have
    /// given up on them by then).
    /// </summary>
    public void Freeze()
    {
        if (_thawed.Task.IsCompleted)
        {
            _thawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Interlocked.Exchange(ref _firstFrozen, 0);
        }
    }

    /// <summary>Storage answers again.</summary>
    public void Thaw() => _thawed.TrySetResult();

    /// <summary>
    /// From now on, requests whose method and percent-decoded path and query match are answered at once with 503
    /// ServerBusy, as Azure answers for a partition past its scalability target, and never reach storage; until
    /// <see cref="Cool"/>.
    /// </summary>
    public void Busy(Func<string, string, bool> match) => _busy = match;

    /// <summary>Every partition answers normally again.</summary>
    public void Cool() => _busy = null;

    /// <summary>Requests received and not yet answered (held, frozen or on their way to storage).</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Requests answered 503 ServerBusy so far.</summary>
    public int BusyAnswers => _busyAnswers;

    private static TaskCompletionSource Thawed()
    {
        var thawed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        thawed.SetResult();
        return thawed;
    }

    private async Task ForwardAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var path = request.Url!.AbsolutePath;
        Interlocked.Increment(ref _inFlight);
        try
        {
            var thawed = _thawed.Task;
            if (!thawed.IsCompleted)
            {
                Interlocked.CompareExchange(ref _firstFrozen, Stopwatch.GetTimestamp(), 0);
            }

            await thawed.WaitAsync(_stopping.Token);
            if (_busy is { } busy && busy(request.HttpMethod, Uri.UnescapeDataString(request.RawUrl ?? path)))
            {
                Interlocked.Increment(ref _busyAnswers);
                await AnswerServerBusyAsync(context.Response);
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), request.RawUrl);
            using var body = new MemoryStream();
            await request.InputStream.CopyToAsync(body);
            if (body.Length > 0 || request.HttpMethod is "POST" or "PUT" or "PATCH" or "MERGE")
            {
                forward.Content = new ByteArrayContent(body.ToArray());
            }

            foreach (var name in request.Headers.AllKeys)
            {
                if (name is null || HopByHop.Contains(name))
                {
                    continue;
                }

                var value = request.Headers[name]!;
                if (!forward.Headers.TryAddWithoutValidation(name, value))
                {
                    forward.Content?.Headers.TryAddWithoutValidation(name, value);
                }
            }

            using var answer = await _upstream.SendAsync(forward, _stopping.Token);
            var bytes = await answer.Content.ReadAsByteArrayAsync(_stopping.Token);
            var pathAndQuery = Uri.UnescapeDataString(request.RawUrl ?? path);
            _exchanges.Enqueue(new StorageExchange(
                request.HttpMethod, pathAndQuery, request.Headers["User-Agent"], body.Length, bytes.Length, (int)answer.StatusCode,
                TableTransactionBody.EntityOperations(pathAndQuery, body.GetBuffer().AsSpan(0, (int)body.Length))));
            if (TakeHold(request.HttpMethod, path) is { } hold)
            {
                _held.Enqueue(request.HttpMethod + " " + path);
                await hold(_stopping.Token);
            }

            var response = context.Response;
            response.StatusCode = (int)answer.StatusCode;
            foreach (var header in answer.Headers.Concat(answer.Content.Headers))
            {
                if (HopByHop.Contains(header.Key))
                {
                    continue;
                }

                try
                {
                    response.Headers[header.Key] = string.Join(",", header.Value);
                }
                catch (ArgumentException)
                {
                    // A header HttpListener sets itself.
                }
            }

            response.ContentLength64 = bytes.Length;
            await response.OutputStream.WriteAsync(bytes, _stopping.Token);
            response.Close();
        }
        catch (Exception) when (_stopping.IsCancellationRequested)
        {
        }
        catch (HttpListenerException)
        {
            // The storage client gave up on this answer (its network timeout) and closed the connection.
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>What the Table service answers a request to a partition that is over its target (the SDK reads the code header).</summary>
    private async Task AnswerServerBusyAsync(HttpListenerResponse response)
    {
        var body = "{\"odata.error\":{\"code\":\"ServerBusy\",\"message\":{\"lang\":\"en-US\",\"value\":\"The server is busy.\"}}}"u8.ToArray();
        response.StatusCode = 503;
        response.Headers["x-ms-error-code"] = "ServerBusy";
        response.ContentType = "application/json;odata=minimalmetadata;streaming=true;charset=utf-8";
        response.ContentLength64 = body.Length;
        await response.OutputStream.WriteAsync(body, _stopping.Token);
        response.Close();
    }

    private Func<CancellationToken, Task>? TakeHold(string method, string path)
    {
        lock (_holds)
        {
            if (_holds.TryPeek(out var next) && next.Match(method, path))
            {
                _holds.TryDequeue(out _);
                return next.Hold;
            }
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        Thaw();
        await LoopbackHttpListener.StopAsync(_listener, _stopping, _loop);
        _upstream.Dispose();
    }
}

/// <summary>One request the storage proxy forwarded and its answer.</summary>
/// <param name="Method">The HTTP method.</param>
/// <param name="PathAndQuery">The path and query, percent-decoded (a point read names its keys and $select here).</param>
/// <param name="UserAgent">The client's User-Agent header.</param>
/// <param name="RequestBytes">The request body's length.</param>
/// <param name="ResponseBytes">The answer body's length as storage sent it: what the client read back.</param>
/// <param name="Status">The answer's status.</param>
/// <param name="EntityOperations">Entity operations the request carried: 1, or those inside an entity-group transaction.</param>
public sealed record StorageExchange(string Method, string PathAndQuery, string? UserAgent, long RequestBytes, long ResponseBytes, int Status, int EntityOperations);
