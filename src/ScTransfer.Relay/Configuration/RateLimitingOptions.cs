using System.ComponentModel.DataAnnotations;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// Per-client request and connection limits and a per-instance concurrency ceiling (configuration section <c>RateLimiting</c>, env
/// <c>RateLimiting__*</c>). The defaults are sized for many phones behind one carrier address (CGNAT); the arithmetic
/// is in docs/security.md.
/// </summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>False turns every limit off (benchmarks and load tests). On by default.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// How many proxies in front of the relay append to <c>X-Forwarded-For</c>. 0 (default): the header is ignored and
    /// the client is the connection's remote address. N: the client is the N-th address from the right, the one the
    /// outermost trusted proxy saw. Counts the proxies in front of the relay's host only: in the Functions worker the
    /// host's own proxy hop is always trusted on top. In Azure set 1 (the App Service front end; 2 behind Front Door).
    /// </summary>
    [Range(0, 8)]
    public int TrustedForwardedHops { get; set; }

    /// <summary>
    /// Requests one instance works on at once; more get 429 at once instead of queueing. A request takes its place only
    /// once its body has arrived, so slow uploads cannot hold the instance (docs/security.md, "Slow uploads").
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrentRequests { get; set; } = 128;

    /// <summary>
    /// Requests one client (the address the buckets count, IPv6 by /64) may have in progress at once, bodies still
    /// arriving included; more get 429 at once. 32, a quarter of <see cref="MaxConcurrentRequests"/>, is far above what
    /// the phones behind one carrier NAT have in flight (docs/security.md, "Why these numbers"). IPv6 /56s and /48s have
    /// a multiple of it (<see cref="IPv6Prefix56Multiple"/>, <see cref="IPv6Prefix48Multiple"/>).
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConcurrentRequestsPerClient { get; set; } = 32;

    /// <summary>
    /// Self-hosted runner only: TCP connections one client address may hold open at once; further ones are closed at
    /// once. Counts the connection's own address, so it applies only while <see cref="TrustedForwardedHops"/> is 0 (behind
    /// a proxy, every connection is the proxy's). IPv6 /56s and /48s have a multiple of it, as of every per-client limit.
    /// Kestrel's ceiling of 1024 for everybody stays as the last line.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConnectionsPerClient { get; set; } = 128;

    /// <summary>
    /// Each IPv6 /56 (a customer's usual delegation) has this many times one client's budget of every limit (requests in
    /// progress, connections, each bucket's burst and rate), on top of each /64's own, so a customer walking the 256
    /// /64s of its /56 gets at most this many clients' worth. 4: a /56 is one household or at most 256 subscribers of a
    /// carrier's pool, fewer than the 500 phones one client's budget is sized for (docs/security.md, "IPv6 networks").
    /// </summary>
    [Range(1, 256)]
    public int IPv6Prefix56Multiple { get; set; } = 4;

    /// <summary>
    /// Each IPv6 /48 (an organisation's delegation, or a slice of a carrier's pool) has this many times one client's
    /// budget of every limit, on top of its /56s' and /64s'. 16: a /48 holder gets sixteen clients' worth, however many of
    /// its 65,536 /64s it walks (docs/security.md, "IPv6 networks"). At least <see cref="IPv6Prefix56Multiple"/>.
    /// </summary>
    [Range(1, 65_536)]
    public int IPv6Prefix48Multiple { get; set; } = 16;

    /// <summary>
    /// How long a request body may take to arrive whole; a slower one is answered 408. 20 s carries the largest body the
    /// default limits allow (about 187 KiB) at 9.6 KB/s, a poor mobile uplink; a body that takes longer only holds a place.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan BodyTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>CreateMailbox, per client: a burst of 60, then 1 a second.</summary>
    public TokenBucketSettings Create { get; set; } = new() { PermitLimit = 60, TokensPerPeriod = 1, ReplenishmentSeconds = 1 };

    /// <summary>
    /// CreateMailbox per client for requests that present a Privacy Pass token while <c>PrivacyPass:CreateMailbox</c> is
    /// on: a burst of 600, then 10 a second. Each token is one an attester vouched for and is accepted once, so the
    /// address is no longer the only thing that limits a client; an invalid token is refused before any storage.
    /// </summary>
    public TokenBucketSettings CreateWithToken { get; set; } = new() { PermitLimit = 600, TokensPerPeriod = 10, ReplenishmentSeconds = 1 };

    /// <summary>UpdateMailbox, RelinquishMailbox and DeleteMailbox together, per client: a burst of 120, then 2 a second.</summary>
    public TokenBucketSettings Write { get; set; } = new() { PermitLimit = 120, TokensPerPeriod = 2, ReplenishmentSeconds = 1 };

    /// <summary>
    /// ReadSecureContent and ReadDisplayInformation together, per client: a burst of 300, then 5 a second. A read may
    /// bind the receiver (draft §6.2), but telling a first read from a later one needs the storage read this limit
    /// must come before, so every read counts.
    /// </summary>
    public TokenBucketSettings Read { get; set; } = new() { PermitLimit = 300, TokensPerPeriod = 5, ReplenishmentSeconds = 1 };
}

/// <summary>One token bucket per client: <see cref="PermitLimit"/> requests at once, refilled by
/// <see cref="TokensPerPeriod"/> every <see cref="ReplenishmentSeconds"/>.</summary>
public sealed class TokenBucketSettings
{
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; }

    [Range(1, 1_000_000)]
    public int TokensPerPeriod { get; set; }

    [Range(1, 3600)]
    public int ReplenishmentSeconds { get; set; }
}

/// <summary>
/// <c>RateLimiting__*</c>: the ranges above, the buckets' (<c>RateLimiting__Create__PermitLimit</c> …) included; the base
/// validator descends into the nested bucket settings.
/// </summary>
internal sealed class RateLimitingOptionsValidator() : SettingsValidator<RateLimitingOptions>(RateLimitingOptions.SectionName)
{
    protected override void Check(RateLimitingOptions options, SettingErrors errors)
    {
        // A /48 holds 256 /56s: a smaller budget for it than for one of them would make the /56's setting a lie.
        if (options.IPv6Prefix48Multiple < options.IPv6Prefix56Multiple)
        {
            errors.Add(nameof(RateLimitingOptions.IPv6Prefix48Multiple),
                $"is {options.IPv6Prefix48Multiple}; it must be at least {errors.Name(nameof(RateLimitingOptions.IPv6Prefix56Multiple))} ({options.IPv6Prefix56Multiple}).");
        }
    }
}
