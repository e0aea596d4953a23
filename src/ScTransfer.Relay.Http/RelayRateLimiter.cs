using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Admits or refuses a request before its function runs, so a refused request costs no storage operation. Both hosts
/// call it through <see cref="RelayHttpPipeline"/>, after <see cref="RelayHttpPolicy.BeginRequest"/> (so a 429 carries
/// the security headers and the echoed Mailbox-Correlation-ID), in two steps:
/// <list type="number">
/// <item><see cref="Admit"/>, before the body is read: a place among the client's requests in progress
/// (<see cref="RateLimitingOptions.MaxConcurrentRequestsPerClient"/>), then a token from the client's bucket for the
/// endpoint's rate-limit class (<see cref="RateLimitAttribute"/>). An IPv6 client takes both from its /64, then from its /56 and its /48, whose budgets are multiples
/// of a client's (<see cref="ClientNetworks"/>).</item>
/// <item><see cref="EnterInstance"/>, once the body has arrived: a place under the instance's ceiling
/// (<see cref="RateLimitingOptions.MaxConcurrentRequests"/>). A body still arriving holds only its client's places, so
/// one client trickling uploads cannot fill the instance (docs/security.md, "Slow uploads").</item>
/// </list>
/// Every refusal is counted through <see cref="RelayRefusals"/>, which logs a summary, never a line per refusal.
/// </summary>
/// <remarks>
/// Memory stays bounded under a flood of distinct addresses: the partitioned limiters drop a client's bucket once it has
/// been full (idle) for 10 s, and its concurrency limiter once it has held no place for 10 s, so only clients seen within
/// about the refill time plus 10 s are held. A /56's or /48's bucket refills in the same time as a client's (burst and
/// rate scale together), and there are never more of them than of /64s: at most three entries per client instead of one.
/// </remarks>
internal sealed class RelayRateLimiter : IDisposable
{
    /// <summary>Retry-After bounds, in seconds (docs/security.md, "Rate limits").</summary>
    internal const int MinRetryAfterSeconds = 1, MaxRetryAfterSeconds = 120;

    private readonly RateLimitingOptions _options;
    private readonly bool _tokensOnCreate;
    private readonly RelayRefusals _refusals;
    private readonly StorageHealth _storage;
    private readonly RelayMetrics _metrics;
    private readonly ConcurrencyLimiter _instance;
    private readonly PartitionedRateLimiter<ClientNetworks>[] _placesPerScope;
    private readonly PartitionedRateLimiter<BucketKey>[] _bucketsPerScope;
    private readonly PartitionedRateLimiter<ClientNetworks> _clients;
    private readonly PartitionedRateLimiter<BucketKey> _buckets;

    public RelayRateLimiter(
        IOptions<RateLimitingOptions> options, IOptions<PrivacyPassOptions> privacyPass, RelayRefusals refusals, StorageHealth storage, RelayMetrics metrics)
    {
        _options = options.Value;
        _tokensOnCreate = privacyPass.Value.CreateMailbox != PrivacyPassMode.Off;
        _refusals = refusals;
        _storage = storage;
        _metrics = metrics;
        // QueueLimit 0 everywhere: refuse at once, since a queue would hold memory and sockets for an attacker.
        _instance = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = _options.MaxConcurrentRequests, QueueLimit = 0 });
        // One limiter per scope (the client, its /56, its /48), chained narrowest first: a request takes a place or a token
        // from a wider network only once the narrower ones admitted it, so one /64 never spends more of its networks'
        // budget than its own, and a refusal gives back the places already taken. IPv4 clients have no wider networks.
        _placesPerScope = [.. ClientNetworks.Scopes.Select(scope => PartitionedRateLimiter.Create<ClientNetworks, string>(client =>
            client[scope] is { } network
                ? RateLimitPartition.GetConcurrencyLimiter(network, _ => new ConcurrencyLimiterOptions
                {
                    PermitLimit = ClientNetworks.Budget(_options.MaxConcurrentRequestsPerClient, scope, _options),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter("")))];
        _bucketsPerScope = [.. ClientNetworks.Scopes.Select(scope => PartitionedRateLimiter.Create<BucketKey, (Bucket, string)>(key =>
            key.Client[scope] is { } network
                ? RateLimitPartition.GetTokenBucketLimiter((key.Bucket, network), _ => BucketOptions(key.Bucket, scope))
                : RateLimitPartition.GetNoLimiter((key.Bucket, ""))))];
        _clients = PartitionedRateLimiter.CreateChained(_placesPerScope);
        _buckets = PartitionedRateLimiter.CreateChained(_bucketsPerScope);
    }

    /// <summary>The buckets each client has: one per <see cref="RateLimitClass"/>, and creates presenting a Privacy Pass token apart.</summary>
    internal enum Bucket { Create, CreateWithToken, Write, Read }

    internal readonly record struct BucketKey(Bucket Bucket, ClientNetworks Client);

    /// <summary>
    /// The first step, before the body is read: a place among the client's requests in progress, then a token from its
    /// bucket. Dispose the admission when the request is over; when <see cref="RelayAdmission.Refusal"/> is set, answer
    /// with it and do not run the function.
    /// </summary>
    /// <param name="http">The request.</param>
    /// <param name="endpoint">The function the request is routed to; null when none matched (no bucket, as for <see cref="ConcurrencyLimitOnlyAttribute"/>).</param>
    /// <param name="hostHops">
    /// Proxies inside the host itself, in front of this code: 0 for the self-hosted runner; 1 in the Functions worker,
    /// whose host forwards every request through its own proxy (YARP's default transformer, as the host's
    /// DefaultHttpProxyService uses it), which writes the address it saw into X-Forwarded-For. That entry is always
    /// trusted (it stands in for the worker's remote address, the host's loopback) and comes on top of
    /// <see cref="RateLimitingOptions.TrustedForwardedHops"/>, so that setting means the same on both hosts: the proxies
    /// in front of the relay's host. Where the host replaced the header rather than appended to it (YARP's default
    /// action is Set; the emulator does so), the chain is shorter than the setting and the host's entry is the client.
    /// </param>
    public RelayAdmission Admit(HttpContext http, RelayEndpoint? endpoint, int hostHops = 0)
    {
        if (!_options.Enabled)
        {
            return default;
        }

        // Never the address in a log or a refusal: it is personal data and says nothing the counters do not.
        var client = ClientKey(http.Connection.RemoteIpAddress, http.Request.Headers["X-Forwarded-For"], _options.TrustedForwardedHops, hostHops);
        var place = _clients.AttemptAcquire(client);
        if (!place.IsAcquired)
        {
            return RefuseBusy(place, RefusalReason.ClientConcurrency, "This network address (or the IPv6 network it belongs to) already has as many requests in progress as it may.");
        }

        if (endpoint?.RateLimit is not { } rateLimit)
        {
            return new RelayAdmission(place, null);
        }

        var bucket = rateLimit switch
        {
            // Token holders get their own, more generous bucket (docs/security.md, "Privacy Pass and the rate limits").
            RateLimitClass.Create when _tokensOnCreate && PrivacyPassGate.PresentsToken(http.Request) => Bucket.CreateWithToken,
            RateLimitClass.Create => Bucket.Create,
            RateLimitClass.Write => Bucket.Write,
            RateLimitClass.Read => Bucket.Read,
            _ => throw new System.Diagnostics.UnreachableException($"No bucket for {rateLimit}."),
        };
        var token = _buckets.AttemptAcquire(new BucketKey(bucket, client));
        if (token.IsAcquired)
        {
            token.Dispose(); // a token bucket's lease holds nothing: the token is spent
            return new RelayAdmission(place, null);
        }

        place.Dispose();
        return Refuse(token, ReasonOf(bucket), $"Too many {Describe(bucket)} requests from this network address (or the IPv6 network it belongs to).");
    }

    /// <summary>
    /// The second step, once the request's body (if any) has arrived: a place under the instance's ceiling, held until the
    /// admission is disposed. When <see cref="RelayAdmission.Refusal"/> is set, answer with it.
    /// </summary>
    public RelayAdmission EnterInstance()
    {
        if (!_options.Enabled)
        {
            return default;
        }

        var place = _instance.AttemptAcquire();
        return place.IsAcquired
            ? new RelayAdmission(place, null)
            : RefuseBusy(place, RefusalReason.InstanceConcurrency, "This relay instance is serving as many requests as it may at once.");
    }

    public void Dispose()
    {
        // A chained limiter does not dispose the limiters it chains.
        _buckets.Dispose();
        _clients.Dispose();
        foreach (var limiter in _bucketsPerScope.Concat<IDisposable>(_placesPerScope))
        {
            limiter.Dispose();
        }

        _instance.Dispose();
    }

    /// <summary>Retry-After from the limiter's own estimate, in whole seconds rounded up, within 1–120.</summary>
    internal static int RetryAfterSeconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
            ? (int)Math.Clamp(Math.Ceiling(after.TotalSeconds), MinRetryAfterSeconds, MaxRetryAfterSeconds)
            : MinRetryAfterSeconds;

    /// <summary>
    /// Whom a request counts against: the networks (<see cref="ClientNetworks"/>) of the trusted forwarded address when
    /// <paramref name="trustedHops"/> is set and the header has that many entries, else of the connection's remote
    /// address. IPv6 clients are a /64, the prefix one subscriber gets, so a client cannot escape its bucket by walking its
    /// own interface identifiers, and also count against their /56 and /48, so walking /64s buys a bounded multiple.
    /// </summary>
    internal static ClientNetworks ClientKey(IPAddress? remote, StringValues forwardedFor, int trustedHops, int hostHops = 0) =>
        ClientNetworks.Of(
            (trustedHops + hostHops > 0 ? ForwardedAddress(forwardedFor, trustedHops + hostHops) : null)
            ?? (hostHops > 0 ? ForwardedAddress(forwardedFor, hostHops) : null)
            ?? remote);

    /// <summary>
    /// The N-th address from the right of X-Forwarded-For: each trusted proxy appends the address it saw, so that
    /// entry was written by the outermost trusted proxy; anything left of it is whatever the client chose to send.
    /// Null when the header is absent, too short or that entry is not an address.
    /// </summary>
    internal static IPAddress? ForwardedAddress(StringValues forwardedFor, int trustedHops)
    {
        // Several X-Forwarded-For fields form one list in order (RFC 9110 §5.3).
        var entries = new List<string>();
        foreach (var field in forwardedFor)
        {
            entries.AddRange((field ?? "").Split(',', StringSplitOptions.TrimEntries));
        }

        return entries.Count >= trustedHops ? ParseAddress(entries[^trustedHops]) : null;
    }

    /// <summary>An address with an optional port, as Azure's front end writes it: <c>1.2.3.4:5678</c>, <c>[::1]:80</c>.</summary>
    internal static IPAddress? ParseAddress(string entry)
    {
        if (entry.Length is 0 or > 64)
        {
            return null;
        }

        if (IPAddress.TryParse(entry, out var address))
        {
            return address;
        }

        return IPEndPoint.TryParse(entry, out var endPoint) ? endPoint.Address : null;
    }

    /// <summary>The <paramref name="bucket"/> of <paramref name="scope"/>: burst and rate both scale, so it refills as fast as a client's.</summary>
    private TokenBucketRateLimiterOptions BucketOptions(Bucket bucket, NetworkScope scope)
    {
        var settings = bucket switch
        {
            Bucket.Create => _options.Create,
            Bucket.CreateWithToken => _options.CreateWithToken,
            Bucket.Write => _options.Write,
            _ => _options.Read,
        };
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = ClientNetworks.Budget(settings.PermitLimit, scope, _options),
            TokensPerPeriod = ClientNetworks.Budget(settings.TokensPerPeriod, scope, _options),
            ReplenishmentPeriod = TimeSpan.FromSeconds(settings.ReplenishmentSeconds),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    private static string Describe(Bucket bucket) => bucket switch
    {
        Bucket.Create or Bucket.CreateWithToken => "mailbox creation",
        Bucket.Write => "update, relinquish and delete",
        _ => "read",
    };

    private static RefusalReason ReasonOf(Bucket bucket) => bucket switch
    {
        Bucket.Create => RefusalReason.RateLimitCreate,
        Bucket.CreateWithToken => RefusalReason.RateLimitCreateWithToken,
        Bucket.Write => RefusalReason.RateLimitWrite,
        _ => RefusalReason.RateLimitRead,
    };

    /// <summary>
    /// No place is free. When the places are held by requests waiting on storage that has stopped answering, that is an
    /// outage, not this client's doing: 503 with Retry-After, counted as storage unavailable. Else a 429 as any refusal.
    /// </summary>
    private RelayAdmission RefuseBusy(RateLimitLease lease, RefusalReason reason, string why)
    {
        if (!_storage.IsStalled)
        {
            return Refuse(lease, reason, why);
        }

        lease.Dispose();
        _metrics.StorageUnavailableAnswered(StorageUnavailableCause.Stalled);
        return new RelayAdmission(null, RelayResults.Unavailable(RelayHttpPolicy.RetryAfterSeconds));
    }

    /// <summary>A 429 from a refused lease (which it disposes), counted under <paramref name="reason"/>.</summary>
    private RelayAdmission Refuse(RateLimitLease lease, RefusalReason reason, string why)
    {
        var seconds = RetryAfterSeconds(lease);
        lease.Dispose();
        _refusals.Refused(reason);
        return new RelayAdmission(null, RelayResults.TooManyRequests(
            seconds, $"{why} Nothing was changed; retry after {seconds} second{(seconds == 1 ? "" : "s")} (Retry-After)."));
    }
}

/// <summary>A request's place under <see cref="RelayRateLimiter"/> (the client's or the instance's): held until disposed, or a refusal to answer with.</summary>
internal readonly struct RelayAdmission(RateLimitLease? place, IResult? refusal) : IDisposable
{
    /// <summary>The 429 to answer with instead of running the function; null when admitted.</summary>
    public IResult? Refusal { get; } = refusal;

    public void Dispose() => place?.Dispose();
}
