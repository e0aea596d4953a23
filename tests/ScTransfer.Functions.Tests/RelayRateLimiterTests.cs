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
        Assert.Equal(new ClientNetworks("127.0.0.1", null, null), RelayRateLimiter.ClientKey(Proxy, header, hops));
    }

    [Fact]
    public void X_Forwarded_For_is_ignored_unless_hops_are_trusted()
    {
        Assert.Equal("127.0.0.1", RelayRateLimiter.ClientKey(Proxy, "203.0.113.7", trustedHops: 0).Client);
        Assert.Equal("203.0.113.7", RelayRateLimiter.ClientKey(Proxy, "203.0.113.7", trustedHops: 1).Client);
    }

    [Fact]
    public void IPv6_clients_share_a_bucket_per_64_prefix_and_mapped_IPv4_is_IPv4()
    {
        var a = RelayRateLimiter.ClientKey(IPAddress.Parse("2001:db8:1:2::1"), default, 0);
        var b = RelayRateLimiter.ClientKey(IPAddress.Parse("2001:db8:1:2:ffff:eeee:dddd:cccc"), default, 0);
        var other = RelayRateLimiter.ClientKey(IPAddress.Parse("2001:db8:1:3::1"), default, 0);

        Assert.Equal(new ClientNetworks("2001:db8:1:2::/64", "2001:db8:1::/56", "2001:db8:1::/48"), a);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Client, other.Client);
        Assert.Equal(a.Prefix56, other.Prefix56);
        Assert.Equal(new ClientNetworks("192.0.2.9", null, null), RelayRateLimiter.ClientKey(IPAddress.Parse("::ffff:192.0.2.9"), default, 0));
    }

    [Fact]
    public void An_IPv6_client_belongs_to_the_56_and_the_48_around_its_64()
    {
        var client = ClientNetworks.Of(IPAddress.Parse("2001:db8:ab12:3456:7:8:9:a"));

        Assert.Equal("2001:db8:ab12:3456::/64", client.Client);
        Assert.Equal("2001:db8:ab12:3400::/56", client.Prefix56);
        Assert.Equal("2001:db8:ab12::/48", client.Prefix48);
        Assert.Equal(client.Prefix56, ClientNetworks.Of(IPAddress.Parse("2001:db8:ab12:34ff::1")).Prefix56); // the last /64 of the /56
        Assert.NotEqual(client.Prefix56, ClientNetworks.Of(IPAddress.Parse("2001:db8:ab12:3500::1")).Prefix56); // the first of the next
        Assert.Equal(new ClientNetworks("unknown", null, null), ClientNetworks.Of(null));
    }

    /// <summary>The attack: 63 /64s of one /56, 20 creates each, got 1,260 × 200 and no 429.</summary>
    [Fact]
    public void Sixty_three_64s_of_one_56_get_the_56s_multiple_of_one_clients_creates_with_the_defaults()
    {
        using var recorder = new RefusalRecorder();
        using var limiter = Limiter(o => o.Create = NoRefill(o.Create.PermitLimit), recorder: recorder);

        var created = Enumerable.Range(1, 63).Sum(i => Enumerable.Range(0, 20).Count(_ => Admitted(limiter, "CreateMailbox", $"2001:db8:ab00:{i:x}::1")));

        var defaults = new RateLimitingOptions();
        Assert.Equal(4, defaults.IPv6Prefix56Multiple);
        Assert.Equal(defaults.IPv6Prefix56Multiple * defaults.Create.PermitLimit, created); // 240, not 1,260
        Assert.Equal((63 * 20) - created, recorder.Counted(RefusalReason.RateLimitCreate));
    }

    [Fact]
    public void The_56s_of_one_48_get_the_48s_multiple_of_one_clients_creates()
    {
        using var limiter = Limiter(o =>
        {
            o.Create = NoRefill(2);
            o.IPv6Prefix56Multiple = 4;
            o.IPv6Prefix48Multiple = 16;
        });

        // 63 /56s of 2001:db8:ab00::/48, three /64s of each, five creates from each /64.
        var createdPer56 = Enumerable.Range(1, 63)
            .Select(n => Enumerable.Range(1, 3).Sum(i => Enumerable.Range(0, 5).Count(_ => Admitted(limiter, "CreateMailbox", $"2001:db8:ab00:{n:x2}{i:x2}::1"))))
            .ToList();

        Assert.Equal(16 * 2, createdPer56.Sum()); // 32, not 63 × 3 × 2 = 378
        Assert.Equal([6, 6, 6, 6, 6, 2], createdPer56.Take(6)); // each /64 its 2, each /56 at most its 4 × 2, until the /48 is spent
    }

    [Fact]
    public void A_single_64_other_56s_other_48s_and_IPv4_keep_budgets_of_their_own()
    {
        using var limiter = Limiter(o => o.Create = NoRefill(3));

        // A single /64 alone is served exactly as before: its own burst, then 429.
        Assert.Equal(3, Enumerable.Range(0, 5).Count(_ => Admitted(limiter, "CreateMailbox", "2001:db8:ef00:1::1")));

        // Spend the /56 2001:db8:ab00::/56 through its /64s: 4 × 3 between them.
        var spent = Enumerable.Range(1, 63).Sum(i => Enumerable.Range(0, 5).Count(_ => Admitted(limiter, "CreateMailbox", $"2001:db8:ab00:{i:x}::1")));
        Assert.Equal(new RateLimitingOptions().IPv6Prefix56Multiple * 3, spent);
        Assert.False(Admitted(limiter, "CreateMailbox", "2001:db8:ab00:ff::1")); // a fresh /64 of the spent /56

        // Another /56 of the same /48 (whose 16 × 3 are far from spent), another /48, IPv4: a whole client's burst each.
        foreach (var other in new[] { "2001:db8:ab00:100::1", "2001:db8:cd00:1::1", "192.0.2.1" })
        {
            Assert.Equal(3, Enumerable.Range(0, 5).Count(_ => Admitted(limiter, "CreateMailbox", other)));
        }
    }

    [Fact]
    public void IPv4_addresses_have_no_wider_network_however_many_of_one_24_there_are()
    {
        using var limiter = Limiter(o => o.Create = NoRefill(2));

        var created = Enumerable.Range(1, 200).Sum(i => Enumerable.Range(0, 3).Count(_ => Admitted(limiter, "CreateMailbox", $"198.51.100.{i}")));

        Assert.Equal(200 * 2, created); // carrier NAT pools are many addresses of one block: each is its own client, as before
    }

    [Theory]
    [InlineData("CreateMailbox")]
    [InlineData("UpdateMailbox")]
    [InlineData("DeleteMailbox")]
    [InlineData("ReadSecureContent")]
    [InlineData("ReadDisplayInformation")]
    public void Every_bucket_of_a_56_is_its_multiple_of_a_clients(string function)
    {
        using var limiter = Limiter(o =>
        {
            o.Create = o.Write = o.Read = NoRefill(2);
            o.IPv6Prefix56Multiple = 3;
        });

        var admitted = Enumerable.Range(1, 20).Sum(i => Enumerable.Range(0, 4).Count(_ => Admitted(limiter, function, $"2001:db8:ab00:{i:x}::1")));

        Assert.Equal(3 * 2, admitted);
    }

    [Fact]
    public async Task Requests_in_progress_of_the_64s_of_one_56_are_capped_at_the_56s_multiple_and_a_place_comes_back()
    {
        using var recorder = new RefusalRecorder();
        using var limiter = Limiter(
            o =>
            {
                o.MaxConcurrentRequestsPerClient = 2;
                o.IPv6Prefix56Multiple = 4;
                o.IPv6Prefix48Multiple = 4;
            },
            recorder: recorder);

        // 63 /64s of one /56 each start two slow requests (a path with no bucket: only the caps apply).
        var held = new List<RelayAdmission>();
        for (var i = 1; i <= 63; i++)
        {
            for (var j = 0; j < 2; j++)
            {
                var admission = Admit(limiter, "GetOpenApiDescription", $"2001:db8:ab00:{i:x}::1");
                if (admission.Refusal is null)
                {
                    held.Add(admission);
                }
            }
        }

        Assert.Equal(4 * 2, held.Count); // before: 126
        Assert.Equal((63 * 2) - held.Count, recorder.Counted(RefusalReason.ClientConcurrency));
        var refused = Admit(limiter, "ReadSecureContent", "2001:db8:ab00:40::1").Refusal;
        Assert.NotNull(refused);
        Assert.Equal((429, "1"), await ExecuteAsync(refused));
        using (var neighbour = Admit(limiter, "ReadSecureContent", "2001:db8:ab00:100::1"))
        {
            Assert.NotNull(neighbour.Refusal); // another /56, but the /48's cap (4 × 2 here) is full too
        }

        using (var elsewhere = Admit(limiter, "ReadSecureContent", "2001:db8:cd00::1"))
        {
            Assert.Null(elsewhere.Refusal);
        }

        held[0].Dispose();
        using var again = Admit(limiter, "ReadSecureContent", "2001:db8:ab00:3f::1");
        Assert.Null(again.Refusal); // a place of the /56 was given back, to whichever of its /64s asks
        held.Skip(1).ToList().ForEach(h => h.Dispose());
    }

    [Fact]
    public void Forwarded_IPv6_addresses_count_against_their_56_as_direct_ones_do()
    {
        using var limiter = Limiter(o =>
        {
            o.TrustedForwardedHops = 1;
            o.Create = NoRefill(2);
        });

        // Behind the trusted proxy (the connection is always the proxy's), the client rotating /64s of its /56.
        var created = Enumerable.Range(1, 63).Sum(i => Enumerable.Range(0, 3).Count(_ =>
        {
            var http = new DefaultHttpContext();
            http.Connection.RemoteIpAddress = Proxy;
            http.Request.Headers["X-Forwarded-For"] = $"198.51.100.66, [2001:db8:ab00:{i:x}::1]:443";
            using var admission = limiter.Admit(http, Endpoint("CreateMailbox"));
            return admission.Refusal is null;
        }));

        Assert.Equal(new RateLimitingOptions().IPv6Prefix56Multiple * 2, created); // before: 63 × 2
        var expected = new ClientNetworks("2001:db8:ab00:7::/64", "2001:db8:ab00::/56", "2001:db8:ab00::/48");
        Assert.Equal(expected, RelayRateLimiter.ClientKey(Proxy, "2001:db8:ab00:7::99", trustedHops: 1));
        Assert.Equal(expected, RelayRateLimiter.ClientKey(Proxy, "2001:db8:ab00:7::99, 127.0.0.1", trustedHops: 1, hostHops: 1)); // in the Functions worker
    }

    [Theory]
    [InlineData(nameof(RateLimitingOptions.IPv6Prefix56Multiple), 0)]
    [InlineData(nameof(RateLimitingOptions.IPv6Prefix56Multiple), 257)] // a /56 holds 256 /64s: more would be no limit at all
    [InlineData(nameof(RateLimitingOptions.IPv6Prefix48Multiple), 0)]
    [InlineData(nameof(RateLimitingOptions.IPv6Prefix48Multiple), 65_537)]
    public void The_network_multiples_are_range_checked_naming_the_setting(string setting, int value)
    {
        var options = new RateLimitingOptions();
        typeof(RateLimitingOptions).GetProperty(setting)!.SetValue(options, value);

        Assert.Contains(Failures(options), failure => failure.StartsWith($"RateLimiting__{setting} must be between", StringComparison.Ordinal));
    }

    [Fact]
    public void A_48_may_not_have_less_than_one_of_its_56s()
    {
        var options = new RateLimitingOptions { IPv6Prefix56Multiple = 8, IPv6Prefix48Multiple = 4 };

        var failure = Assert.Single(Failures(options));

        Assert.Equal("RateLimiting__IPv6Prefix48Multiple is 4; it must be at least RateLimiting__IPv6Prefix56Multiple (8).", failure);
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
        var token = "PrivateToken token=" + Base64Url(TokenShaped(0x0002));

        Assert.Null(Admit(limiter, "CreateMailbox", "203.0.113.7").Refusal);
        Assert.NotNull(Admit(limiter, "CreateMailbox", "203.0.113.7").Refusal); // the plain bucket is spent
        var withToken = Enumerable.Range(0, 3).Select(_ => Admit(limiter, "CreateMailbox", "203.0.113.7", token).Refusal is null).ToList();
        Assert.Equal(ownBucket ? [true, true, true] : [false, false, false], withToken);
        // Opaque attestation data that is not shaped like a token is not a token.
        var opaque = new DefaultHttpContext();
        opaque.Connection.RemoteIpAddress = IPAddress.Parse("198.51.100.9");
        opaque.Request.Headers["deviceAttestation"] = "not-a-token";
        Assert.Null(limiter.Admit(opaque, Endpoint("CreateMailbox")).Refusal);
        Assert.NotNull(limiter.Admit(opaque, Endpoint("CreateMailbox")).Refusal);
    }

    public static TheoryData<string, string[]> UnreadableTokens => new()
    {
        { "not base64", ["PrivateToken token=\"not*base64!\""] },
        { "too short", ["PrivateToken token=" + Base64Url(TokenShaped(0x0002)[..353])] },
        { "too long", ["PrivateToken token=" + Base64Url([.. TokenShaped(0x0002), 0])] },
        { "another token type", ["PrivateToken token=" + Base64Url(TokenShaped(0x0001))] },
        { "no token parameter", ["PrivateToken challenge=" + Base64Url(TokenShaped(0x0002))] },
        { "two tokens", ["PrivateToken token=" + Base64Url(TokenShaped(0x0002)), "PrivateToken token=" + Base64Url(TokenShaped(0x0002))] },
    };

    [Theory]
    [MemberData(nameof(UnreadableTokens))]
    public void A_Privacy_Pass_token_that_cannot_be_read_counts_against_the_plain_create_bucket(string what, string[] authorization)
    {
        using var limiter = Limiter(
            o =>
            {
                o.Create = NoRefill(1);
                o.CreateWithToken = NoRefill(10);
            },
            PrivacyPassMode.Required);

        var admitted = Enumerable.Range(0, 3).Count(_ =>
        {
            var http = new DefaultHttpContext();
            http.Connection.RemoteIpAddress = IPAddress.Parse("203.0.113.7");
            http.Request.Headers.Authorization = authorization;
            using var admission = limiter.Admit(http, Endpoint("CreateMailbox"));
            return admission.Refusal is null;
        });

        Assert.True(admitted == 1, $"{what}: {admitted} of 3 admitted, as if it were a token"); // the gate answers it 401 later
        Assert.Equal(1, Enumerable.Range(0, 3).Count(_ => Admitted(limiter, "CreateMailbox", "203.0.113.8"))); // a plain client, for comparison
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
            return limiter.Admit(http, Endpoint("DeleteMailbox"), hostHops: 1);
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
        time.Advance(storage.StallThreshold + TimeSpan.FromMilliseconds(1));
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

    /// <summary>354 bytes shaped as a Privacy Pass Token of <paramref name="tokenType"/> (RFC 9577 §2.2); nothing in it verifies.</summary>
    private static byte[] TokenShaped(ushort tokenType)
    {
        var token = new byte[354];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(token, tokenType);
        return token;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

    /// <summary>A bucket of <paramref name="burst"/> that does not refill within a test (one token an hour), so counts are exact.</summary>
    private static TokenBucketSettings NoRefill(int burst) => new() { PermitLimit = burst, TokensPerPeriod = 1, ReplenishmentSeconds = 3600 };

    /// <summary>Whether one request from <paramref name="remote"/> is admitted; its place is given back at once.</summary>
    private static bool Admitted(RelayRateLimiter limiter, string function, string remote)
    {
        using var admission = Admit(limiter, function, remote);
        return admission.Refusal is null;
    }

    internal static RelayAdmission Admit(RelayRateLimiter limiter, string function, string remote, string? authorization = null)
    {
        var http = new DefaultHttpContext();
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (authorization is not null)
        {
            http.Request.Headers.Authorization = authorization;
        }

        return limiter.Admit(http, Endpoint(function));
    }

    /// <summary>The relay's function named <paramref name="function"/>, as the pipeline hands it to the limiter.</summary>
    internal static RelayEndpoint Endpoint(string function) =>
        EndpointCatalogue.Relay.Named(function) ?? throw new ArgumentException($"No function is named {function}.", nameof(function));

    private static async Task<(int Status, string? RetryAfter)> ExecuteAsync(IResult result)
    {
        var http = new DefaultHttpContext();
        http.Response.Body = new MemoryStream();
        await result.ExecuteAsync(http);
        Assert.Equal("application/problem+json; charset=utf-8", http.Response.ContentType);
        return (http.Response.StatusCode, http.Response.Headers.RetryAfter.ToString());
    }
}
