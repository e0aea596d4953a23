using System.Net;
using System.Net.Sockets;
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
/// endpoint class.</item>
/// <item><see cref="EnterInstance"/>, once the body has arrived: a place under the instance's ceiling
/// (<see cref="RateLimitingOptions.MaxConcurrentRequests"/>). A body still arriving holds only its client's places, so
/// one client trickling uploads cannot fill the instance (docs/security.md, "Slow uploads").</item>
/// </list>
/// Every refusal is counted through <see cref="RelayRefusals"/>, which logs a summary, never a line per refusal.
/// </summary>
/// <remarks>
/// Memory stays bounded under a flood of distinct addresses: the partitioned limiters drop a client's bucket once it has
/// been full (idle) for 10 s, and its concurrency limiter once it has held no place for 10 s, so only clients seen within
/// about the refill time plus 10 s are held.
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
    private readonly PartitionedRateLimiter<string> _clients;
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
        _clients = PartitionedRateLimiter.Create<string, string>(client =>
            RateLimitPartition.GetConcurrencyLimiter(client, _ => new ConcurrencyLimiterOptions { PermitLimit = _options.MaxConcurrentRequestsPerClient, QueueLimit = 0 }));
        _buckets = PartitionedRateLimiter.Create<BucketKey, BucketKey>(key =>
            RateLimitPartition.GetTokenBucketLimiter(key, k => BucketOptions(k.Class)));
    }

    /// <summary>The endpoint classes that have their own bucket per client.</summary>
    internal enum EndpointClass { Create, CreateWithToken, Write, Read }

    internal readonly record struct BucketKey(EndpointClass Class, string Client);

    /// <summary>
    /// The first step, before the body is read: a place among the client's requests in progress, then a token from its
    /// bucket. Dispose the admission when the request is over; when <see cref="RelayAdmission.Refusal"/> is set, answer
    /// with it and do not run the function.
    /// </summary>
    /// <param name="http">The request.</param>
    /// <param name="functionName">The function the request is routed to; null when none matched.</param>
    /// <param name="hostHops">
    /// Proxies inside the host itself, in front of this code: 0 for the self-hosted runner; 1 in the Functions worker,
    /// whose host forwards every request through its own proxy (YARP's default transformer, as the host's
    /// DefaultHttpProxyService uses it), which writes the address it saw into X-Forwarded-For. That entry is always
    /// trusted (it stands in for the worker's remote address, the host's loopback) and comes on top of
    /// <see cref="RateLimitingOptions.TrustedForwardedHops"/>, so that setting means the same on both hosts: the proxies
    /// in front of the relay's host. Where the host replaced the header rather than appended to it (YARP's default
    /// action is Set; the emulator does so), the chain is shorter than the setting and the host's entry is the client.
    /// </param>
    public RelayAdmission Admit(HttpContext http, string? functionName, int hostHops = 0)
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
            return RefuseBusy(place, RefusalReason.ClientConcurrency, "This network address already has as many requests in progress as one client may.");
        }

        if (ClassOf(functionName) is not { } endpointClass)
        {
            return new RelayAdmission(place, null);
        }

        // Token holders get their own, more generous bucket (docs/security.md, "Privacy Pass and the rate limits").
        if (endpointClass == EndpointClass.Create && _tokensOnCreate && PrivacyPassGate.PresentsToken(http.Request))
        {
            endpointClass = EndpointClass.CreateWithToken;
        }

        var token = _buckets.AttemptAcquire(new BucketKey(endpointClass, client));
        if (token.IsAcquired)
        {
            token.Dispose(); // a token bucket's lease holds nothing: the token is spent
            return new RelayAdmission(place, null);
        }

        place.Dispose();
        return Refuse(token, ReasonOf(endpointClass), $"Too many {Describe(endpointClass)} requests from this network address.");
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
        _buckets.Dispose();
        _clients.Dispose();
        _instance.Dispose();
    }

    internal static EndpointClass? ClassOf(string? functionName) => functionName switch
    {
        "CreateMailbox" => EndpointClass.Create,
        "UpdateMailbox" or "RelinquishMailbox" or "DeleteMailbox" => EndpointClass.Write,
        "ReadSecureContent" or "ReadDisplayInformation" => EndpointClass.Read,
        // GetOpenApiDescription and the association files serve documents held in memory (no storage), the fallback 404 touches nothing:
        // no bucket, only the concurrency caps (the client's and the instance's) apply to them.
        _ => null,
    };

    /// <summary>Retry-After from the limiter's own estimate, in whole seconds rounded up, within 1–120.</summary>
    internal static int RetryAfterSeconds(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var after)
            ? (int)Math.Clamp(Math.Ceiling(after.TotalSeconds), MinRetryAfterSeconds, MaxRetryAfterSeconds)
            : MinRetryAfterSeconds;

    /// <summary>
    /// The bucket a request counts against: the trusted forwarded address when <paramref name="trustedHops"/> is set
    /// and the header has that many entries, else the connection's remote address. IPv6 clients are bucketed by /64,
    /// the prefix one subscriber gets, so a client cannot escape its bucket by walking its own interface identifiers.
    /// </summary>
    internal static string ClientKey(IPAddress? remote, StringValues forwardedFor, int trustedHops, int hostHops = 0)
    {
        var address = (trustedHops + hostHops > 0 ? ForwardedAddress(forwardedFor, trustedHops + hostHops) : null)
            ?? (hostHops > 0 ? ForwardedAddress(forwardedFor, hostHops) : null)
            ?? remote;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

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

    private TokenBucketRateLimiterOptions BucketOptions(EndpointClass endpointClass)
    {
        var bucket = endpointClass switch
        {
            EndpointClass.Create => _options.Create,
            EndpointClass.CreateWithToken => _options.CreateWithToken,
            EndpointClass.Write => _options.Write,
            _ => _options.Read,
        };
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = bucket.PermitLimit,
            TokensPerPeriod = bucket.TokensPerPeriod,
            ReplenishmentPeriod = TimeSpan.FromSeconds(bucket.ReplenishmentSeconds),
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    private static string Describe(EndpointClass endpointClass) => endpointClass switch
    {
        EndpointClass.Create or EndpointClass.CreateWithToken => "mailbox creation",
        EndpointClass.Write => "update, relinquish and delete",
        _ => "read",
    };

    private static RefusalReason ReasonOf(EndpointClass endpointClass) => endpointClass switch
    {
        EndpointClass.Create => RefusalReason.RateLimitCreate,
        EndpointClass.CreateWithToken => RefusalReason.RateLimitCreateWithToken,
        EndpointClass.Write => RefusalReason.RateLimitWrite,
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
