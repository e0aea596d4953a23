using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Primitives;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>docs/security.md, rate limits: who a client is, and when it gets 429 (in-process; the end-to-end proof is RateLimitTests).</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayRateLimiterTests
{
    private static readonly IPAddress Proxy = IPAddress.Loopback;

    /// <summary>For the tests that do not look at what was counted.</summary>
    private static readonly RefusalRecorder Unobserved = new();

    [Theory]
    [InlineData("203.0.113.7", 1, "203.0.113.7")]
    [InlineData("198.51.100.1, 203.0.113.7", 1, "203.0.113.7")] // the left-most entry is the client's own choice
    [InlineData("198.51.100.1,203.0.113.7,10.0.0.4", 2, "203.0.113.7")] // two trusted proxies: Front Door, then the host
    [InlineData("203.0.113.7:51234", 1, "203.0.113.7")] // Azure's front end writes the port
    [InlineData("[2001:db8::5]:443", 1, "2001:db8::5")]
    [InlineData("2001:db8::5", 1, "2001:db8::5")]
    [InlineData(" 203.0.113.7 ", 1, "203.0.113.7")]
    public void The_trusted_hop_of_X_Forwarded_For_names_the_client(string header, int hops, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), RelayRateLimiter.ForwardedAddress(header, hops));
    }

    [Fact]
    public void Several_X_Forwarded_For_fields_are_one_list()
    {
        Assert.Equal(IPAddress.Parse("203.0.113.7"), RelayRateLimiter.ForwardedAddress(new StringValues(["198.51.100.1", "203.0.113.7, 10.0.0.4"]), 2));
    }

    [Theory]
    [InlineData("203.0.113.7", 2)] // shorter than the trusted chain: the client wrote all of it
    [InlineData("", 1)]
    [InlineData("unknown", 1)]
    [InlineData("203.0.113.7, not-an-address", 1)]
    [InlineData("203.0.113.7, 999.1.1.1", 1)]
    public void A_short_or_malformed_header_falls_back_to_the_remote_address(string header, int hops)
    {
        Assert.Null(RelayRateLimiter.ForwardedAddress(header, hops));
        Assert.Equal("127.0.0.1", RelayRateLimiter.ClientKey(Proxy, header, hops));
    }

    [Fact]
    public void X_Forwarded_For_is_ignored_unless_hops_are_trusted()
    {
        Assert.Equal("127.0.0.1", RelayRateLimiter.ClientKey(Proxy, "203.0.113.7", trustedHops: 0));
        Assert.Equal("203.0.113.7", RelayRateLimiter.ClientKey(Proxy, "203.0.113.7", trustedHops: 1));
    }

    [Fact]
    public void IPv6_clients_share_a_bucket_per_64_prefix_and_mapped_IPv4_is_IPv4()
    {
        var a = RelayRateLimiter.ClientKey(IPAddress.Parse("2001:db8:1:2::1"), default, 0);
        var b = RelayRateLimiter.ClientKey(IPAddress.Parse("2001:db8:1:2:ffff:eeee:dddd:cccc"), default, 0);
        var other = RelayRateLimiter.ClientKey(IPAddress.Parse("2001:db8:1:3::1"), default, 0);

        Assert.Equal("2001:db8:1:2::/64", a);
        Assert.Equal(a, b);
        Assert.NotEqual(a, other);
        Assert.Equal("192.0.2.9", RelayRateLimiter.ClientKey(IPAddress.Parse("::ffff:192.0.2.9"), default, 0));
    }

    [Fact]
    public async Task A_client_over_its_create_bucket_gets_429_with_Retry_After_while_another_client_does_not()
    {
        using var limiter = Limiter(o => o.Create = new TokenBucketSettings { PermitLimit = 2, TokensPerPeriod = 1, ReplenishmentSeconds = 30 });

        Assert.Null(Admit(limiter, "CreateMailbox", "192.0.2.1").Refusal);
        Assert.Null(Admit(limiter, "CreateMailbox", "192.0.2.1").Refusal);
        var refusal = Admit(limiter, "CreateMailbox", "192.0.2.1").Refusal;
        Assert.NotNull(refusal);
        var (status, retryAfter) = await ExecuteAsync(refusal);
        Assert.Equal(429, status);
        Assert.Equal("30", retryAfter); // one token, refilled every 30 s

        Assert.Null(Admit(limiter, "CreateMailbox", "192.0.2.2").Refusal); // another address has its own bucket
        Assert.Null(Admit(limiter, "ReadSecureContent", "192.0.2.1").Refusal); // reads have their own bucket
        Assert.Null(Admit(limiter, "GetOpenApiDescription", "192.0.2.1").Refusal);
    }

    [Fact]
    public async Task Retry_After_is_clamped_to_120_seconds()
    {
        using var limiter = Limiter(o => o.Write = new TokenBucketSettings { PermitLimit = 1, TokensPerPeriod = 1, ReplenishmentSeconds = 3600 });

        Assert.Null(Admit(limiter, "UpdateMailbox", "192.0.2.1").Refusal);
        var (status, retryAfter) = await ExecuteAsync(Admit(limiter, "DeleteMailbox", "192.0.2.1").Refusal!); // same Write bucket
        Assert.Equal(429, status);
        Assert.Equal("120", retryAfter);
    }

    [Fact]
    public void Disabled_limits_never_refuse()
    {
        using var limiter = Limiter(o =>
        {
            o.Enabled = false;
            o.MaxConcurrentRequests = 1;
            o.MaxConcurrentRequestsPerClient = 1;
            o.Create = new TokenBucketSettings { PermitLimit = 1, TokensPerPeriod = 1, ReplenishmentSeconds = 3600 };
        });

        var held = new List<RelayAdmission>();
        for (var i = 0; i < 100; i++)
        {
            var admission = Admit(limiter, "CreateMailbox", "192.0.2.1");
            var instance = limiter.EnterInstance();
            Assert.Null(admission.Refusal);
            Assert.Null(instance.Refusal);
            held.Add(admission);
            held.Add(instance);
        }
    }

    [Fact]
    public async Task The_concurrency_ceiling_refuses_while_full_and_admits_once_a_place_is_free()
    {
        using var recorder = new RefusalRecorder();
        using var limiter = Limiter(o => o.MaxConcurrentRequests = 2, recorder: recorder);
        var first = limiter.EnterInstance();
        var second = limiter.EnterInstance();

        var refused = limiter.EnterInstance();
        Assert.NotNull(refused.Refusal);
        var (status, retryAfter) = await ExecuteAsync(refused.Refusal);
        Assert.Equal(429, status);
        Assert.Equal("1", retryAfter);
        Assert.Equal(1, recorder.Counted(RefusalReason.InstanceConcurrency));

        first.Dispose();
        using var third = limiter.EnterInstance();
        Assert.Null(third.Refusal);
        second.Dispose();
    }

    [Fact]
    public void Admission_before_the_body_takes_no_place_under_the_instances_ceiling()
    {
        // Requests whose bodies are still arriving hold their clients' places only (docs/security.md, "Slow uploads").
        using var limiter = Limiter(o => o.MaxConcurrentRequests = 1);
        var arriving = Enumerable.Range(1, 20).Select(i => Admit(limiter, "UpdateMailbox", $"192.0.2.{i}")).ToList();
        Assert.All(arriving, admission => Assert.Null(admission.Refusal));

        using var inside = limiter.EnterInstance();
        Assert.Null(inside.Refusal);
        Assert.NotNull(limiter.EnterInstance().Refusal);
        arriving.ForEach(admission => admission.Dispose());
    }

    [Fact]
    public async Task A_client_at_its_concurrency_cap_gets_429_while_another_client_is_admitted()
    {
        using var recorder = new RefusalRecorder();
        using var limiter = Limiter(o => o.MaxConcurrentRequestsPerClient = 2, recorder: recorder);
        var held = new[] { Admit(limiter, "ReadDisplayInformation", "203.0.113.7"), Admit(limiter, "GetOpenApiDescription", "203.0.113.7") };

        var refused = Admit(limiter, "ReadSecureContent", "203.0.113.7").Refusal;
        Assert.NotNull(refused);
        var (status, retryAfter) = await ExecuteAsync(refused);
        Assert.Equal(429, status);
        Assert.Equal("1", retryAfter);
        Assert.Equal(1, recorder.Counted(RefusalReason.ClientConcurrency));
        Assert.Null(Admit(limiter, "ReadSecureContent", "203.0.113.8").Refusal); // another client has places of its own

        held[0].Dispose();
        using var again = Admit(limiter, "ReadSecureContent", "203.0.113.7");
        Assert.Null(again.Refusal); // a place was given back
        held[1].Dispose();
    }

    [Fact]
    public void A_refused_token_does_not_keep_the_clients_place()
    {
        using var recorder = new RefusalRecorder();
        using var limiter = Limiter(
            o =>
            {
                o.MaxConcurrentRequestsPerClient = 1;
                o.Create = new TokenBucketSettings { PermitLimit = 1, TokensPerPeriod = 1, ReplenishmentSeconds = 3600 };
            },
            recorder: recorder);
        Admit(limiter, "CreateMailbox", "192.0.2.1").Dispose();

        Assert.NotNull(Admit(limiter, "CreateMailbox", "192.0.2.1").Refusal);
        using var next = Admit(limiter, "ReadSecureContent", "192.0.2.1");
        Assert.Null(next.Refusal);
        Assert.Equal(1, recorder.Counted(RefusalReason.RateLimitCreate));
        Assert.Equal(0, recorder.Counted(RefusalReason.ClientConcurrency));
    }

    [Fact]
    public void Nested_bucket_settings_are_validated_naming_the_setting()
    {
        var options = new RateLimitingOptions { Create = new TokenBucketSettings { PermitLimit = 0, TokensPerPeriod = 1, ReplenishmentSeconds = 1 } };

        var failure = Assert.Single(Failures(options));

        Assert.StartsWith("RateLimiting__Create__PermitLimit must be between 1 and 1000000; it is 0", failure, StringComparison.Ordinal);
        Assert.Empty(Failures(new RateLimitingOptions()));
    }

    [Theory]
    [InlineData(nameof(RateLimitingOptions.MaxConcurrentRequestsPerClient), "0")]
    [InlineData(nameof(RateLimitingOptions.MaxConnectionsPerClient), "0")]
    [InlineData(nameof(RateLimitingOptions.BodyTimeout), "00:00:00")]
    [InlineData(nameof(RateLimitingOptions.BodyTimeout), "00:02:00")] // tens of seconds at most: a body that slow only holds a place
    public void The_concurrency_connection_and_body_time_settings_are_validated_naming_the_setting(string setting, string value)
    {
        var options = new RateLimitingOptions();
        var property = typeof(RateLimitingOptions).GetProperty(setting)!;
        property.SetValue(options, property.PropertyType == typeof(TimeSpan)
            ? TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture)
            : int.Parse(value, System.Globalization.CultureInfo.InvariantCulture));

        var failure = Assert.Single(Failures(options));

        Assert.StartsWith($"RateLimiting__{setting} must be between", failure, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Failures(RateLimitingOptions options) =>
        new RateLimitingOptionsValidator().Validate(null, options).Failures ?? [];

    [Theory]
    [InlineData(PrivacyPassMode.Required, true)]
    [InlineData(PrivacyPassMode.Optional, true)]
    [InlineData(PrivacyPassMode.Off, false)] // tokens are not checked: presenting one must not buy a larger bucket
    public void Creates_that_present_a_Privacy_Pass_token_count_against_their_own_bucket_only_while_tokens_are_checked(PrivacyPassMode mode, bool ownBucket)
    {
        using var limiter = Limiter(
            o =>
            {
                o.Create = new TokenBucketSettings { PermitLimit = 1, TokensPerPeriod = 1, ReplenishmentSeconds = 60 };
                o.CreateWithToken = new TokenBucketSettings { PermitLimit = 3, TokensPerPeriod = 1, ReplenishmentSeconds = 60 };
            },
            mode);
        var token = "PrivateToken token=" + Convert.ToBase64String(new byte[354]).Replace('+', '-').Replace('/', '_');

        Assert.Null(Admit(limiter, "CreateMailbox", "203.0.113.7").Refusal);
        Assert.NotNull(Admit(limiter, "CreateMailbox", "203.0.113.7").Refusal); // the plain bucket is spent
        var withToken = Enumerable.Range(0, 3).Select(_ => Admit(limiter, "CreateMailbox", "203.0.113.7", token).Refusal is null).ToList();
        Assert.Equal(ownBucket ? [true, true, true] : [false, false, false], withToken);
        // Opaque attestation data that is not shaped like a token is not a token.
        var opaque = new DefaultHttpContext();
        opaque.Connection.RemoteIpAddress = IPAddress.Parse("198.51.100.9");
        opaque.Request.Headers["deviceAttestation"] = "not-a-token";
        Assert.Null(limiter.Admit(opaque, "CreateMailbox").Refusal);
        Assert.NotNull(limiter.Admit(opaque, "CreateMailbox").Refusal);
    }

    [Fact]
    public void In_the_Functions_worker_the_hosts_own_proxy_hop_is_trusted_on_top_of_the_setting()
    {
        using var limiter = Limiter(o =>
        {
            o.TrustedForwardedHops = 1; // the App Service front end
            o.Write = new TokenBucketSettings { PermitLimit = 1, TokensPerPeriod = 1, ReplenishmentSeconds = 60 };
        });

        // The front end wrote the client's address; the Functions host's proxy appended the address it saw (its loopback).
        Assert.Null(AdmitForwarded(limiter, "198.51.100.66, 203.0.113.7, 127.0.0.1").Refusal);
        Assert.NotNull(AdmitForwarded(limiter, "192.0.2.1, 203.0.113.7, 127.0.0.1").Refusal); // same client, another forged entry
        Assert.Null(AdmitForwarded(limiter, "203.0.113.8, 127.0.0.1").Refusal); // another client
        // A host that replaced the header with the address it saw (YARP's Set): that address is the client, whatever was sent.
        Assert.Null(AdmitForwarded(limiter, "198.51.100.20").Refusal);
        Assert.NotNull(AdmitForwarded(limiter, "198.51.100.20").Refusal);

        static RelayAdmission AdmitForwarded(RelayRateLimiter limiter, string forwardedFor)
        {
            var http = new DefaultHttpContext();
            http.Connection.RemoteIpAddress = IPAddress.Loopback;
            http.Request.Headers["X-Forwarded-For"] = forwardedFor;
            return limiter.Admit(http, "DeleteMailbox", hostHops: 1);
        }
    }

    internal static RelayRateLimiter Limiter(
        Action<RateLimitingOptions> configure, PrivacyPassMode createMode = PrivacyPassMode.Off, RefusalRecorder? recorder = null, StorageHealth? storage = null)
    {
        var options = new RateLimitingOptions();
        configure(options);
        return new RelayRateLimiter(
            Options.Create(options), Options.Create(new PrivacyPassOptions { CreateMailbox = createMode }), (recorder ?? Unobserved).Refusals,
            storage ?? new StorageHealth(TimeProvider.System), TestMetrics.Create());
    }

    [Fact]
    public async Task When_the_places_are_held_by_requests_waiting_on_stalled_storage_the_refusal_is_503_not_429()
    {
        var time = new FakeTimeProvider();
        var storage = new StorageHealth(time);
        using var limiter = Limiter(o => { o.MaxConcurrentRequests = 1; o.MaxConcurrentRequestsPerClient = 1; }, storage: storage);
        using var held = limiter.EnterInstance();
        Assert.Null(held.Refusal);

        // Storage answers: a full instance is a 429, as always.
        storage.Started();
        Assert.Equal(429, await StatusOf(limiter.EnterInstance()));

        // The call in flight waits, and nothing has been answered for over a second: storage has stopped answering.
        time.Advance(StorageHealth.StallThreshold + TimeSpan.FromMilliseconds(1));
        var refused = limiter.EnterInstance();
        var (status, headers) = await Answer(refused);
        Assert.Equal(503, status);
        Assert.Equal("2", headers["Retry-After"].ToString());
        using var client = Admit(limiter, "ReadDisplayInformation", "10.0.0.1");
        Assert.Null(client.Refusal);
        Assert.Equal(503, await StatusOf(Admit(limiter, "ReadDisplayInformation", "10.0.0.1"))); // the client's own cap, too

        // Storage answers again: 429 again.
        storage.Ended(answered: true);
        storage.Started();
        Assert.Equal(429, await StatusOf(limiter.EnterInstance()));
    }

    private static async Task<int> StatusOf(RelayAdmission admission) => (await Answer(admission)).Status;

    private static async Task<(int Status, IHeaderDictionary Headers)> Answer(RelayAdmission admission)
    {
        using (admission)
        {
            var http = HttpResultRunner.NewContext();
            await admission.Refusal!.ExecuteAsync(http);
            return (http.Response.StatusCode, http.Response.Headers);
        }
    }

    internal static RelayAdmission Admit(RelayRateLimiter limiter, string function, string remote, string? authorization = null)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (authorization is not null)
        {
            http.Request.Headers.Authorization = authorization;
        }

        return limiter.Admit(http, function);
    }

    private static async Task<(int Status, string? RetryAfter)> ExecuteAsync(IResult result)
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        await result.ExecuteAsync(http);
        Assert.Equal("application/problem+json; charset=utf-8", http.Response.ContentType);
        return (http.Response.StatusCode, http.Response.Headers.RetryAfter.ToString());
    }
}
