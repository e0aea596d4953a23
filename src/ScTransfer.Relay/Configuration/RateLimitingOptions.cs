using System.ComponentModel.DataAnnotations;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// Per-client request and connection limits and a per-instance ceiling (<c>RateLimiting__*</c>), sized for many phones
/// behind one carrier address (docs/security.md, "Why these numbers").
/// </summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    /// <summary>False turns every limit off (benchmarks and load tests). On by default.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Proxies in front of the relay's host that append to <c>X-Forwarded-For</c>; 0 ignores the header. In Azure 1, 2 behind
    /// Front Door (docs/security.md, "Who the client is").
    /// </summary>
    [Range(0, 8)]
    public int TrustedForwardedHops { get; set; }

    /// <summary>Requests one instance works on at once, each from when its body has arrived; more get 429 at once.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrentRequests { get; set; } = 128;

    /// <summary>Requests one client may have in progress at once, bodies still arriving included; more get 429 at once.</summary>
    [Range(1, 100_000)]
    public int MaxConcurrentRequestsPerClient { get; set; } = 32;

    /// <summary>
    /// Self-hosted runner only, and only while <see cref="TrustedForwardedHops"/> is 0: connections one client may hold
    /// open; one more is closed at once (docs/security.md, "Idle connections").
    /// </summary>
    [Range(1, 100_000)]
    public int MaxConnectionsPerClient { get; set; } = 128;

    /// <summary>An IPv6 /56's budget of every per-client limit, in clients (docs/security.md, "IPv6 networks").</summary>
    [Range(1, 256)]
    public int IPv6Prefix56Multiple { get; set; } = 4;

    /// <summary>An IPv6 /48's budget of every per-client limit, in clients; at least <see cref="IPv6Prefix56Multiple"/>.</summary>
    [Range(1, 65_536)]
    public int IPv6Prefix48Multiple { get; set; } = 16;

    /// <summary>How long a body may take to arrive whole, else 408 (docs/security.md, "Slow uploads").</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan BodyTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>CreateMailbox, per client: a burst of 60, then 1 a second.</summary>
    public TokenBucketSettings Create { get; set; } = new() { PermitLimit = 60, TokensPerPeriod = 1, ReplenishmentSeconds = 1 };

    /// <summary>
    /// CreateMailbox per client presenting a Privacy Pass token while tokens are checked: a burst of 600, then 10 a second
    /// (docs/security.md, "Privacy Pass").
    /// </summary>
    public TokenBucketSettings CreateWithToken { get; set; } = new() { PermitLimit = 600, TokensPerPeriod = 10, ReplenishmentSeconds = 1 };

    /// <summary>UpdateMailbox, RelinquishMailbox and DeleteMailbox together, per client: a burst of 120, then 2 a second.</summary>
    public TokenBucketSettings Write { get; set; } = new() { PermitLimit = 120, TokensPerPeriod = 2, ReplenishmentSeconds = 1 };

    /// <summary>
    /// ReadSecureContent and ReadDisplayInformation together, per client: a burst of 300, then 5 a second. Every read
    /// counts: whether it binds (draft §6.2) is known only after the storage read.
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

/// <summary><c>RateLimiting__*</c>: the ranges above, the buckets' included (the base validator descends into them).</summary>
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
