using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>Three relays over Azurite: Privacy Pass required on create and first read, optional on both, and off.</summary>
public sealed class PrivacyPassRelays : IAsyncLifetime
{
    public const int WindowSeconds = 900;

    public PrivacyPassTestIssuer Issuer { get; } = new();

    public RelayHost Required { get; private set; } = null!;

    public RelayHost Optional { get; private set; } = null!;

    public RelayHost Off { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Dictionary<string, string> Settings(string mode) => new()
        {
            ["PrivacyPass__IssuerName"] = "issuer.test.example",
            // The second key is the same issuer's in url-safe form: rotation lists take both spellings.
            ["PrivacyPass__IssuerPublicKeys"] = Issuer.SpkiBase64 + "," + Issuer.SpkiBase64Url,
            ["PrivacyPass__CreateMailbox"] = mode,
            ["PrivacyPass__ReadSecureContent"] = mode,
            ["PrivacyPass__ChallengeWindowSeconds"] = WindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["PrivacyPass__NonceTablePrefix"] = Azurite.UniqueTableName("ppn"),
        };
        var started = await Task.WhenAll(
            RelayHost.StartAsync(Settings("required")), RelayHost.StartAsync(Settings("Optional")), RelayHost.StartAsync(Settings("off")));
        (Required, Optional, Off) = (started[0], started[1], started[2]);
    }

    public async Task DisposeAsync()
    {
        await Task.WhenAll(Required.DisposeAsync().AsTask(), Optional.DisposeAsync().AsTask(), Off.DisposeAsync().AsTask());
        Issuer.Dispose();
    }
}

/// <summary>
/// Privacy Pass end to end (RFC 9577 challenge → token from the test issuer → redemption), on the self-hosted relay.
/// Every response is also checked against docs/openapi.yaml.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed partial class PrivacyPassTests(PrivacyPassRelays relays) : IClassFixture<PrivacyPassRelays>
{
    [Fact]
    public async Task Required_create_without_a_token_gets_401_with_an_RFC_9577_challenge()
    {
        var http = Client(relays.Required);
        var correlation = RelayClient.NewId();
        using var response = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), correlation: correlation);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Privacy Pass", await RelayClient.ProblemDetailAsync(response));
        Assert.Equal(correlation, response.Headers.GetValues("Mailbox-Correlation-ID").Single());
        var challenge = ParseChallenge(response);
        Assert.Equal(relays.Issuer.Spki, challenge.TokenKey);
        Assert.InRange(challenge.MaxAge, PrivacyPassRelays.WindowSeconds, 2 * PrivacyPassRelays.WindowSeconds);

        // TokenChallenge: uint16 token_type, issuer_name<1..2^16-1>, redemption_context<0..32>, origin_info<0..2^16-1>
        var bytes = challenge.TokenChallenge;
        Assert.Equal(0x0002, BinaryPrimitives.ReadUInt16BigEndian(bytes));
        var (issuer, context, origin) = Fields(bytes);
        Assert.Equal("issuer.test.example", issuer);
        Assert.Equal(32, context.Length);
        Assert.Equal("relay.test.example", origin); // the host of Relay__PublicBaseUrl
    }

    [Fact]
    public async Task A_token_for_the_challenge_creates_once_and_the_same_token_again_is_401()
    {
        var http = Client(relays.Required);
        var token = relays.Issuer.Issue(await ChallengeAsync(http));

        using (var created = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), PrivacyPassTestIssuer.AuthorizationFor(token)))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.Empty(created.Headers.WwwAuthenticate);
        }

        using var replay = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), PrivacyPassTestIssuer.AuthorizationFor(token));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.Contains("used already", await RelayClient.ProblemDetailAsync(replay));
        Assert.NotNull(ParseChallenge(replay).TokenChallenge);
    }

    [Fact]
    public async Task A_retried_create_answers_a_fresh_challenge_and_then_gets_201_and_the_same_link()
    {
        var http = Client(relays.Required);
        var challenge = await ChallengeAsync(http);
        var (id, claim, correlation) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var first = relays.Issuer.Issue(challenge);
        string link;
        using (var created = await Send(http, HttpMethod.Post, "v1/m", claim, RelayClient.CreateBody(id), PrivacyPassTestIssuer.AuthorizationFor(first), correlation: correlation))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            link = (string)(await RelayClient.ReadJsonAsync(created))["urlLink"]!;
        }

        using (var sameToken = await Send(http, HttpMethod.Post, "v1/m", claim, RelayClient.CreateBody(id), PrivacyPassTestIssuer.AuthorizationFor(first), correlation: correlation))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, sameToken.StatusCode);
            Assert.NotEmpty(sameToken.Headers.WwwAuthenticate);
        }

        using var retried = await Send(http, HttpMethod.Post, "v1/m", claim, RelayClient.CreateBody(id), PrivacyPassTestIssuer.AuthorizationFor(relays.Issuer.Issue(challenge)), correlation: correlation);
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(link, (string)(await RelayClient.ReadJsonAsync(retried))["urlLink"]!);
    }

    [Fact]
    public async Task A_token_for_another_origin_or_from_an_unknown_key_or_of_another_type_is_401()
    {
        var http = Client(relays.Required);
        var challenge = await ChallengeAsync(http);
        var (issuer, context, _) = Fields(challenge);
        using var stranger = new PrivacyPassTestIssuer();

        foreach (var token in new[]
        {
            relays.Issuer.Issue(Challenge(issuer, context, "other.example")),
            relays.Issuer.Issue(Challenge("issuer.other.example", context, "relay.test.example")),
            stranger.Issue(challenge),
            relays.Issuer.Issue(challenge, tokenType: 0x0001),
        })
        {
            var id = RelayClient.NewId();
            using var refused = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(id), PrivacyPassTestIssuer.AuthorizationFor(token));
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.NotEmpty(refused.Headers.WwwAuthenticate);
            using var preview = await http.GetAsync("v1/m/" + id);
            Assert.Equal(HttpStatusCode.NotFound, preview.StatusCode); // nothing was created
        }
    }

    [Theory]
    [InlineData("deviceAttestation", false)]
    [InlineData("Mailbox-Device-Attestation", false)]
    [InlineData("deviceAttestation", true)]
    public async Task The_token_is_also_accepted_in_the_drafts_deviceAttestation_header(string header, bool schemeForm)
    {
        var http = Client(relays.Required);
        var token = relays.Issuer.Issue(await ChallengeAsync(http));
        var value = schemeForm ? PrivacyPassTestIssuer.AuthorizationFor(token) : PrivacyPassTestIssuer.Base64Url(token).TrimEnd('=');
        using var created = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), attestation: (header, value));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
    }

    [Fact]
    public async Task Optional_mode_goes_ahead_without_a_token_and_refuses_an_invalid_one()
    {
        var http = Client(relays.Optional);
        using (var without = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId())))
        {
            Assert.Equal(HttpStatusCode.OK, without.StatusCode);
        }

        var challengeBytes = await ChallengeFromRefusalAsync(http);
        var token = relays.Issuer.Issue(challengeBytes);
        using (var valid = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), PrivacyPassTestIssuer.AuthorizationFor(token)))
        {
            Assert.Equal(HttpStatusCode.OK, valid.StatusCode);
        }

        using var replay = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), PrivacyPassTestIssuer.AuthorizationFor(token));
        Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        Assert.NotEmpty(replay.Headers.WwwAuthenticate);
    }

    [Fact]
    public async Task Off_mode_asks_for_nothing_and_ignores_tokens()
    {
        var http = Client(relays.Off);
        using var without = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()));
        Assert.Equal(HttpStatusCode.OK, without.StatusCode);
        Assert.Empty(without.Headers.WwwAuthenticate);
        using var junk = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), "PrivateToken token=\"AAAA\"");
        Assert.Equal(HttpStatusCode.OK, junk.StatusCode);
        var (id, _) = await new RelayClient(http).CreateMailboxAsync();
        using var read = await Send(http, HttpMethod.Post, "v1/m/" + id, RelayClient.NewId(), null);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    [Fact]
    public async Task Only_the_read_that_binds_a_receiver_needs_a_token()
    {
        var http = Client(relays.Required);
        var challenge = await ChallengeAsync(http);
        var (id, sender) = (RelayClient.NewId(), RelayClient.NewId());
        using (var created = await Send(http, HttpMethod.Post, "v1/m", sender, RelayClient.CreateBody(id), PrivacyPassTestIssuer.AuthorizationFor(relays.Issuer.Issue(challenge))))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var receiver = RelayClient.NewId();
        using (var noToken = await Send(http, HttpMethod.Post, "v1/m/" + id, receiver, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
            Assert.NotEmpty(noToken.Headers.WwwAuthenticate);
        }

        using (var senderRead = await Send(http, HttpMethod.Post, "v1/m/" + id, sender, null))
        {
            Assert.Equal(HttpStatusCode.OK, senderRead.StatusCode); // the sender never binds
        }

        using (var bind = await Send(http, HttpMethod.Post, "v1/m/" + id, receiver, null, PrivacyPassTestIssuer.AuthorizationFor(relays.Issuer.Issue(challenge))))
        {
            Assert.Equal(HttpStatusCode.OK, bind.StatusCode);
        }

        // The bound receiver reads again without a token; a token it sends anyway is not spent (it binds nothing).
        var unspent = relays.Issuer.Issue(challenge);
        using (var again = await Send(http, HttpMethod.Post, "v1/m/" + id, receiver, null, PrivacyPassTestIssuer.AuthorizationFor(unspent)))
        {
            Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        }

        using (var stranger = await Send(http, HttpMethod.Post, "v1/m/" + id, RelayClient.NewId(), null, PrivacyPassTestIssuer.AuthorizationFor(relays.Issuer.Issue(challenge))))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode); // bound to another receiver: no challenge helps
            Assert.Empty(stranger.Headers.WwwAuthenticate);
        }

        using var later = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), PrivacyPassTestIssuer.AuthorizationFor(unspent));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
    }

    [Fact]
    public async Task The_relay_stores_only_a_keyed_hash_of_the_nonce_and_logs_nothing_of_the_token()
    {
        var http = Client(relays.Required);
        var nonce = RandomNumberGenerator.GetBytes(32);
        var token = relays.Issuer.Issue(await ChallengeAsync(http), nonce);
        using (var created = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), PrivacyPassTestIssuer.AuthorizationFor(token)))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var replay = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), PrivacyPassTestIssuer.AuthorizationFor(token)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, replay.StatusCode);
        }

        var forms = new[]
        {
            PrivacyPassTestIssuer.Base64Url(token).TrimEnd('=')[..40], Convert.ToBase64String(token)[..40], Convert.ToHexString(token)[..40],
            Convert.ToHexStringLower(nonce)[..24], Convert.ToBase64String(nonce)[..24], PrivacyPassTestIssuer.Base64Url(nonce)[..24],
        };
        var service = Azurite.CreateServiceClient();
        var prefix = relays.Required.Settings["PrivacyPass__NonceTablePrefix"].ToLowerInvariant();
        var entities = new List<string>();
        await foreach (var table in service.QueryAsync(t => t.Name.CompareTo(prefix) >= 0 && t.Name.CompareTo(prefix + ":") < 0))
        {
            await foreach (var entity in service.GetTableClient(table.Name).QueryAsync<Azure.Data.Tables.TableEntity>())
            {
                entities.Add(entity.PartitionKey + entity.RowKey + string.Join(",", entity.Select(p => p.Value)));
            }
        }

        Assert.NotEmpty(entities);
        foreach (var form in forms)
        {
            Assert.DoesNotContain(entities, e => e.Contains(form, StringComparison.OrdinalIgnoreCase));
            Assert.DoesNotContain(relays.Required.LogLines, l => l.Contains(form, StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task A_storage_outage_during_the_spend_is_503_and_the_token_is_not_accepted_unchecked()
    {
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["PrivacyPass__IssuerName"] = "issuer.test.example",
            ["PrivacyPass__IssuerPublicKeys"] = relays.Issuer.SpkiBase64,
            ["PrivacyPass__CreateMailbox"] = "required",
            // Nothing listens on port 9: the challenge needs no storage, the spend does.
            ["Storage__ConnectionString"] = Azurite.UnreachableConnectionString,
        }, waitForStorage: false);
        var http = Client(relay);
        var token = relays.Issuer.Issue(await ChallengeAsync(http));

        using var response = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), PrivacyPassTestIssuer.AuthorizationFor(token), correlation: "corr-pp");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("2", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal("corr-pp", response.Headers.GetValues("Mailbox-Correlation-ID").Single());
    }

    private static HttpClient Client(RelayHost relay) => OpenApiContract.CreateClient(relay);

    private static async Task<HttpResponseMessage> Send(
        HttpClient http, HttpMethod method, string path, string claim, System.Text.Json.Nodes.JsonNode? body,
        string? authorization = null, (string Name, string Value)? attestation = null, string? correlation = null)
    {
        using var request = RelayClient.Request(method, path, claim, body, correlation, authorization: authorization);
        // A fresh connection per request: HttpClient resends a request that met a pooled connection the server had
        // closed, and a resent create finds its own mailbox (401 without a Correlation-ID) or its own spent token.
        request.Headers.ConnectionClose = true;
        if (attestation is { } a)
        {
            request.Headers.TryAddWithoutValidation(a.Name, a.Value);
        }

        return await http.SendAsync(request);
    }

    /// <summary>The TokenChallenge a required-mode relay sends to a create without a token.</summary>
    private static async Task<byte[]> ChallengeAsync(HttpClient http)
    {
        using var response = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()));
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        return ParseChallenge(response).TokenChallenge;
    }

    /// <summary>In optional mode the challenge comes with the refusal of an invalid token.</summary>
    private static async Task<byte[]> ChallengeFromRefusalAsync(HttpClient http)
    {
        using var response = await Send(http, HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId()), "PrivateToken token=\"AAAA\"");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        return ParseChallenge(response).TokenChallenge;
    }

    private sealed record ParsedChallenge(byte[] TokenChallenge, byte[] TokenKey, int MaxAge);

    private static ParsedChallenge ParseChallenge(HttpResponseMessage response)
    {
        var value = string.Join(", ", response.Headers.GetValues("WWW-Authenticate"));
        var match = ChallengeSyntax().Match(value);
        Assert.True(match.Success, value);
        return new ParsedChallenge(
            PrivacyPassTestIssuer.FromBase64Url(match.Groups["challenge"].Value),
            PrivacyPassTestIssuer.FromBase64Url(match.Groups["key"].Value),
            int.Parse(match.Groups["age"].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private static (string Issuer, byte[] Context, string Origin) Fields(byte[] challenge)
    {
        var issuerLength = BinaryPrimitives.ReadUInt16BigEndian(challenge.AsSpan(2));
        var at = 4 + issuerLength;
        var contextLength = challenge[at];
        var context = challenge[(at + 1)..(at + 1 + contextLength)];
        at += 1 + contextLength;
        var originLength = BinaryPrimitives.ReadUInt16BigEndian(challenge.AsSpan(at));
        Assert.Equal(challenge.Length, at + 2 + originLength);
        return (Encoding.ASCII.GetString(challenge, 4, issuerLength), context, Encoding.ASCII.GetString(challenge, at + 2, originLength));
    }

    private static byte[] Challenge(string issuer, byte[] context, string origin)
    {
        var i = Encoding.ASCII.GetBytes(issuer);
        var o = Encoding.ASCII.GetBytes(origin);
        var bytes = new List<byte> { 0x00, 0x02, (byte)(i.Length >> 8), (byte)i.Length };
        bytes.AddRange(i);
        bytes.Add((byte)context.Length);
        bytes.AddRange(context);
        bytes.Add((byte)(o.Length >> 8));
        bytes.Add((byte)o.Length);
        bytes.AddRange(o);
        return [.. bytes];
    }

    // RFC 9577 §2.1.2: auth-params; base64url values with padding, quoted; max-age in seconds.
    [GeneratedRegex("^PrivateToken challenge=\"(?<challenge>[A-Za-z0-9_-]+={0,2})\", token-key=\"(?<key>[A-Za-z0-9_-]+={0,2})\", max-age=(?<age>[0-9]+)$")]
    private static partial Regex ChallengeSyntax();
}
