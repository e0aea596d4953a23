using System.Net;

namespace ScTransfer.Cli.Check;

/// <summary>
/// Every request of a check goes through here, so it stays polite to a production relay: a budget, one at a time, paced
/// by <see cref="Pacer"/>, a 429 or 503 waited out and retried with the same Correlation-ID (§5); every answer is
/// recorded in <see cref="Exchanges"/> (docs/cli.md, "Checking a relay: `sct check`").
/// </summary>
internal sealed class PoliteHandler(HttpMessageHandler inner, int maxRequests, TimeProvider time) : DelegatingHandler(inner)
{
    public static readonly HttpRequestOptionsKey<Exchange> ExchangeKey = new("sct-check-exchange");

    private const int MaxAttempts = 3;
    private static readonly TimeSpan LongestRetryAfter = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(2);

    private readonly Pacer _pacer = new(time);
    private readonly List<Exchange> _exchanges = [];
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);

    public int Requests { get; private set; }

    public int MaxRequests { get; private set; } = maxRequests;

    /// <summary>Answers that were 429 or 503 (each was waited out and retried, or ended its case).</summary>
    public int Throttled { get; private set; }

    /// <summary>Time spent waiting for the pacer or a Retry-After.</summary>
    public TimeSpan Waited => _pacer.Waited + _retryWaits;

    public IReadOnlyList<Exchange> Exchanges
    {
        get
        {
            lock (_exchanges)
            {
                return [.. _exchanges];
            }
        }
    }

    private TimeSpan _retryWaits;

    /// <summary>Raises the budget, for the clean-up's deletes: a mailbox the run made is deleted whatever the budget.</summary>
    public void Extend(int requests) => MaxRequests += requests;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken);
        try
        {
            var body = request.Content is null ? null : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            for (var attempt = 1; ; attempt++)
            {
                if (Requests >= MaxRequests)
                {
                    throw new RequestBudgetSpentException(MaxRequests);
                }

                await _pacer.WaitAsync(Pacer.ClassOf(request), cancellationToken);
                Requests++;
                var response = await SendOnceAsync(request, attempt > 1, body, cancellationToken);
                await response.Content.LoadIntoBufferAsync(cancellationToken);
                var exchange = await Exchange.ReadAsync(request, response, cancellationToken);
                lock (_exchanges)
                {
                    _exchanges.Add(exchange);
                }

                request.Options.Set(ExchangeKey, exchange);
                if (response.StatusCode is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable))
                {
                    return response;
                }

                Throttled++;
                var wait = RetryAfter(response);
                if (attempt >= MaxAttempts || wait > LongestRetryAfter)
                {
                    return response;
                }

                response.Dispose();
                _retryWaits += wait;
                await Task.Delay(wait, time, cancellationToken);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>The request itself the first time; a copy of it (the same headers and body) for a retry.</summary>
    private async Task<HttpResponseMessage> SendOnceAsync(HttpRequestMessage request, bool retry, byte[]? body, CancellationToken cancellationToken)
    {
        if (!retry)
        {
            return await base.SendAsync(request, cancellationToken);
        }

        using var copy = Copy(request, body);
        return await base.SendAsync(copy, cancellationToken);
    }

    private TimeSpan RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var wait = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : DefaultRetryAfter);
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
    }

    private static HttpRequestMessage Copy(HttpRequestMessage request, byte[]? body)
    {
        var copy = new HttpRequestMessage(request.Method, request.RequestUri) { Version = request.Version };
        foreach (var (name, values) in request.Headers)
        {
            copy.Headers.TryAddWithoutValidation(name, values);
        }

        if (body is not null)
        {
            copy.Content = new ByteArrayContent(body);
            foreach (var (name, values) in request.Content!.Headers)
            {
                copy.Content.Headers.TryAddWithoutValidation(name, values);
            }
        }

        return copy;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _oneAtATime.Dispose();
        }

        base.Dispose(disposing);
    }
}

/// <summary>
/// Token buckets on the check's side at half the relay's default per-client buckets, so a second run, or a neighbour
/// behind the same address, still fits (docs/cli.md, "Checking a relay: `sct check`").
/// </summary>
internal sealed class Pacer(TimeProvider time)
{
    internal enum RequestClass
    {
        Unlimited,
        Create,
        Write,
        Read,
    }

    private readonly Dictionary<RequestClass, Bucket> _buckets = new()
    {
        [RequestClass.Create] = new Bucket(30, 0.5),
        [RequestClass.Write] = new Bucket(60, 1),
        [RequestClass.Read] = new Bucket(150, 2.5),
    };

    public TimeSpan Waited { get; private set; }

    /// <summary>The relay's bucket a request counts against (RelayRateLimiter's classes: by method and route).</summary>
    public static RequestClass ClassOf(HttpRequestMessage request)
    {
        var segments = request.RequestUri!.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments switch
        {
            [.., "v1", "m"] when request.Method == HttpMethod.Post => RequestClass.Create,
            [.., "v1", "m", _] when request.Method == HttpMethod.Get || request.Method == HttpMethod.Head || request.Method == HttpMethod.Post => RequestClass.Read,
            [.., "v1", "m", _] => RequestClass.Write,
            _ => RequestClass.Unlimited,
        };
    }

    public async Task WaitAsync(RequestClass kind, CancellationToken cancellationToken)
    {
        if (!_buckets.TryGetValue(kind, out var bucket))
        {
            return;
        }

        var wait = bucket.Take(time.GetTimestamp(), time);
        if (wait > TimeSpan.Zero)
        {
            Waited += wait;
            await Task.Delay(wait, time, cancellationToken);
        }
    }

    private sealed class Bucket(double capacity, double perSecond)
    {
        private readonly double _capacity = capacity;
        private double _tokens = capacity;
        private long? _at;

        /// <summary>Takes a token now or, when there is none, the one that comes next: returns how long to wait for it.</summary>
        public TimeSpan Take(long now, TimeProvider time)
        {
            if (_at is { } at)
            {
                _tokens = Math.Min(_capacity, _tokens + (time.GetElapsedTime(at, now).TotalSeconds * perSecond));
            }

            _at = now;
            _tokens--;
            return _tokens >= 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(-_tokens / perSecond);
        }
    }
}
