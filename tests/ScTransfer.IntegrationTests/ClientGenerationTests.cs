using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// Clients of every generation (draft-00, later revisions, shipping clients; docs/compatibility.md) are
/// served side by side, each answered in its own spelling.
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class ClientGenerationTests(RelayFixture fixture)
{
    private static readonly string[] CorrelationSpellings = ["Mailbox-Correlation-ID", "Mailbox-Request-ID"];

    private readonly RelayClient _draft00 = fixture.Client;

    private RelayClient Client(string claim, string correlation, string? attestation = null) =>
        new(fixture.Client.Http, claim, correlation, attestation);

    public static TheoryData<string, string, string?> Spellings => new()
    {
        { "deviceClaim", "Mailbox-Correlation-ID", "deviceAttestation" },
        { "Mailbox-Device-Claim", "Mailbox-Request-ID", "Mailbox-Device-Attestation" },
        { "Device-Claim", "Mailbox-Request-ID", null },
        { "Device-Claim", "Mailbox-Correlation-ID", "Mailbox-Device-Attestation" },
        { "DEVICECLAIM", "mailbox-request-id", "MAILBOX-DEVICE-ATTESTATION" }, // header names are case-insensitive
        { "mailbox-device-claim", "MAILBOX-CORRELATION-ID", "deviceattestation" },
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task A_client_of_each_spelling_creates_reads_updates_relinquishes_and_deletes(string claimHeader, string correlationHeader, string? attestationHeader)
    {
        var relay = Client(claimHeader, correlationHeader, attestationHeader);
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        var receiver = RelayClient.NewId();
        var next = RelayClient.NewId();

        var steps = new List<(string Step, HttpResponseMessage Response, string Correlation)>();
        async Task Step(string step, Func<string, Task<HttpResponseMessage>> call)
        {
            var correlation = RelayClient.NewId();
            steps.Add((step, await call(correlation), correlation));
        }

        await Step("create", c => relay.CreateAsync(RelayClient.CreateBody(id), sender, c));
        await Step("read", c => relay.ReadAsync(id, receiver, c));
        await Step("update", c => relay.UpdateAsync(id, RelayClient.UpdateBody(), receiver, c));
        await Step("relinquish", c => relay.RelinquishAsync(id, receiver, c));
        await Step("read by the next receiver", c => relay.ReadAsync(id, next, c));
        await Step("delete", c => relay.DeleteAsync(id, next, c));

        foreach (var (step, response, correlation) in steps)
        {
            using (response)
            {
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{step}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                AssertEchoedOnlyAs(response, correlationHeader, correlation);
            }
        }

        using var gone = await relay.ReadAsync(id, next);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Theory]
    [InlineData("Mailbox-Request-ID")]
    [InlineData("mailbox-request-id")]
    public async Task A_duplicate_under_Mailbox_Request_ID_gets_201_echoed_as_Mailbox_Request_ID(string correlationHeader)
    {
        var relay = Client("Mailbox-Device-Claim", correlationHeader);
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        var createId = RelayClient.NewId();
        var updateId = RelayClient.NewId();
        var kept = RelayClient.RandomPayloadData();

        using var created = await relay.CreateAsync(RelayClient.CreateBody(id), sender, createId);
        using var createAgain = await relay.CreateAsync(RelayClient.CreateBody(id), sender, createId);
        using var updated = await relay.UpdateAsync(id, RelayClient.UpdateBody(kept), sender, updateId);
        using var updateAgain = await relay.UpdateAsync(id, RelayClient.UpdateBody(), sender, updateId);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.Created, createAgain.StatusCode);
        AssertEchoedOnlyAs(createAgain, "Mailbox-Request-ID", createId);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.Equal(HttpStatusCode.Created, updateAgain.StatusCode);
        AssertEchoedOnlyAs(updateAgain, "Mailbox-Request-ID", updateId);
        using var read = await relay.ReadAsync(id, sender);
        Assert.Equal(kept, (await RelayClient.ReadJsonAsync(read))["payload"]!["data"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("AEAD_AES_128_GCM", "AEAD_AES_256_GCM")]
    [InlineData("AEAD_AES_256_GCM", "AES128")]
    [InlineData("AES256", "AEAD_AES_128_GCM")]
    public async Task RFC_5116_payload_types_round_trip_as_they_were_sent(string created, string updated)
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        var body = RelayClient.CreateBody(id);
        body["payload"]!["type"] = created;
        var update = RelayClient.UpdateBody();
        update["payload"]!["type"] = updated;

        using var create = await _draft00.CreateAsync(body, sender);
        var afterCreate = await PayloadTypeAsync(id, sender);
        using var put = await _draft00.UpdateAsync(id, update, sender);
        var afterUpdate = await PayloadTypeAsync(id, sender);

        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        Assert.Equal(created, afterCreate);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(updated, afterUpdate);
    }

    [Fact]
    public async Task An_AEAD_payload_gets_the_same_layout_check_as_AES128()
    {
        var body = RelayClient.CreateBody(RelayClient.NewId(), data: RelayClient.RandomPayloadData(27)); // below IV + tag
        body["payload"]!["type"] = "AEAD_AES_256_GCM";

        using var response = await _draft00.CreateAsync(body, RelayClient.NewId());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("too short", await RelayClient.ProblemDetailAsync(response));
    }

    [Theory]
    [InlineData("Z")]
    [InlineData("+02:00")]
    public async Task An_expiration_creates_the_mailbox_and_reads_back_as_UTC(string zone)
    {
        var expiry = DateTimeOffset.UtcNow.AddHours(2);
        expiry = new DateTimeOffset(expiry.Year, expiry.Month, expiry.Day, expiry.Hour, expiry.Minute, expiry.Second, TimeSpan.Zero);
        var sent = zone == "Z"
            ? expiry.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : expiry.ToOffset(TimeSpan.FromHours(2)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        var body = RelayClient.CreateBody(id);
        body["mailboxConfiguration"] = new JsonObject { ["accessRights"] = "RD", ["expiration"] = sent };

        using var create = await _draft00.CreateAsync(body, sender);
        using var read = await _draft00.ReadAsync(id, sender);

        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        Assert.Equal(expiry.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            (await RelayClient.ReadJsonAsync(read))["expiration"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_expiration_in_the_past_beyond_the_maximum_or_disagreeing_with_timeToLive_is_400()
    {
        static string At(TimeSpan fromNow) =>
            DateTimeOffset.UtcNow.Add(fromNow).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

        var cases = new (JsonObject Configuration, HttpStatusCode Expected)[]
        {
            (new() { ["expiration"] = At(TimeSpan.FromMinutes(-1)) }, HttpStatusCode.BadRequest),
            (new() { ["expiration"] = At(TimeSpan.FromDays(7) + TimeSpan.FromHours(1)) }, HttpStatusCode.BadRequest), // default maximum: 7 days
            (new() { ["expiration"] = At(TimeSpan.FromHours(1)), ["timeToLive"] = "7200" }, HttpStatusCode.BadRequest),
            (new() { ["expiration"] = "tomorrow" }, HttpStatusCode.BadRequest),
            (new() { ["expiration"] = At(TimeSpan.FromHours(1)), ["timeToLive"] = "3600" }, HttpStatusCode.OK), // one moment, seconds truncated and in transit
        };

        foreach (var (configuration, expected) in cases)
        {
            var body = RelayClient.CreateBody(RelayClient.NewId());
            body["mailboxConfiguration"] = configuration;
            using var response = await _draft00.CreateAsync(body, RelayClient.NewId());
            Assert.True(expected == response.StatusCode, $"{configuration.ToJsonString()}: {(int)response.StatusCode}");
        }
    }

    [Fact]
    public async Task A_create_without_identifier_gets_a_fresh_version_4_UUID_named_in_urlLink()
    {
        var sender = RelayClient.NewId();
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var body = RelayClient.CreateBody("unused");
            body.Remove("mailboxIdentifier");
            using var response = await _draft00.CreateAsync(body, sender, RelayClient.NewId());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var link = (await RelayClient.ReadJsonAsync(response))["urlLink"]!.GetValue<string>();
            Assert.StartsWith("https://relay.test.example/v1/m/", link, StringComparison.Ordinal);
            ids.Add(link[(link.LastIndexOf('/') + 1)..]);
        }

        Assert.Equal(3, ids.Distinct().Count());
        foreach (var id in ids)
        {
            Assert.True(Guid.TryParseExact(id, "D", out _), id);
            Assert.Equal('4', id[14]); // version
            Assert.Contains(id[19], "89ab"); // RFC 4122 variant
            using var read = await _draft00.ReadAsync(id, sender);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        var invalid = RelayClient.CreateBody("not-a-uuid");
        using var refused = await _draft00.CreateAsync(invalid, sender);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode); // present must still be a UUID
    }

    [Theory]
    [InlineData("Mailbox-Request-ID")]
    [InlineData("Mailbox-Correlation-ID")]
    public async Task A_create_without_identifier_retried_with_the_same_claim_and_request_id_gets_201_and_the_same_link(string spelling)
    {
        var sender = RelayClient.NewId();
        var requestId = RelayClient.NewId();
        var client = new RelayClient(fixture.Client.Http, "Mailbox-Device-Claim", spelling);
        var body = RelayClient.CreateBody("unused");
        body.Remove("mailboxIdentifier");

        using var first = await client.CreateAsync(body, sender, requestId);
        using var retry = await client.CreateAsync(body, sender, requestId);
        using var again = await client.CreateAsync(body, sender, requestId);
        using var newRequest = await client.CreateAsync(body, sender, RelayClient.NewId());
        using var otherDevice = await client.CreateAsync(body, RelayClient.NewId(), requestId);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode); // §5: a duplicate, not a second share
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(requestId, retry.Headers.GetValues(spelling).Single());
        var link = await LinkAsync(first);
        Assert.Equal(link, await LinkAsync(retry));
        Assert.Equal(link, await LinkAsync(again));
        Assert.Equal(HttpStatusCode.OK, newRequest.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherDevice.StatusCode);
        Assert.Equal(3, new[] { link, await LinkAsync(newRequest), await LinkAsync(otherDevice) }.Distinct().Count());
        var id = link[(link.LastIndexOf('/') + 1)..];
        Assert.Equal('4', id[14]); // still a version 4 UUID
        using var read = await _draft00.ReadAsync(id, sender);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);

        static async Task<string> LinkAsync(HttpResponseMessage response) =>
            (await RelayClient.ReadJsonAsync(response))["urlLink"]!.GetValue<string>();
    }

    [Fact]
    public async Task A_create_without_configuration_gets_RD_and_the_default_lifetime_of_48_hours()
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        var receiver = RelayClient.NewId();
        var body = RelayClient.CreateBody(id);
        body.Remove("mailboxConfiguration");
        var before = DateTimeOffset.UtcNow;

        using var create = await _draft00.CreateAsync(body, sender);
        using var read = await _draft00.ReadAsync(id, receiver);
        using var updateWithoutW = await _draft00.UpdateAsync(id, RelayClient.UpdateBody(), receiver);
        using var deleteWithD = await _draft00.DeleteAsync(id, receiver);

        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var expiration = DateTimeOffset.Parse((await RelayClient.ReadJsonAsync(read))["expiration"]!.GetValue<string>(), CultureInfo.InvariantCulture);
        Assert.InRange(expiration, before.AddHours(48).AddSeconds(-5), DateTimeOffset.UtcNow.AddHours(48).AddSeconds(5));
        Assert.Equal(HttpStatusCode.Unauthorized, updateWithoutW.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleteWithD.StatusCode);
    }

    [Fact]
    public async Task Create_and_update_answers_say_whether_push_is_supported()
    {
        // This relay has no Notification Hubs settings: it can push to nobody (ScTransfer.Push.Tests cover true).
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        using var create = await _draft00.CreateAsync(RelayClient.CreateBody(id, token: RelayClient.Token("com.apple.apns", "APNS1234")), sender);
        using var update = await _draft00.UpdateAsync(id, RelayClient.UpdateBody(), sender);

        Assert.False((await RelayClient.ReadJsonAsync(create))["isPushNotificationSupported"]!.GetValue<bool>());
        Assert.False((await RelayClient.ReadJsonAsync(update))["isPushNotificationSupported"]!.GetValue<bool>());
    }

    [Theory]
    [InlineData("?v=c")]
    [InlineData("?v=a&x=1")]
    public async Task Share_URLs_with_a_query_reach_the_preview_and_the_read(string query)
    {
        var (id, sender) = await _draft00.CreateMailboxAsync();

        using var preview = await _draft00.SendAsync(HttpMethod.Get, $"v1/m/{id}{query}", null, null, null);
        using var read = await _draft00.SendAsync(HttpMethod.Post, $"v1/m/{id}{query}", sender, null, null);

        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Contains("Hotel Pass", await preview.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }

    private async Task<string> PayloadTypeAsync(string id, string claim)
    {
        using var read = await _draft00.ReadAsync(id, claim);
        return (await RelayClient.ReadJsonAsync(read))["payload"]!["type"]!.GetValue<string>();
    }

    private static void AssertEchoedOnlyAs(HttpResponseMessage response, string spelling, string value)
    {
        var used = CorrelationSpellings.Single(s => s.Equals(spelling, StringComparison.OrdinalIgnoreCase));
        Assert.Equal(value, response.Headers.GetValues(used).Single());
        Assert.All(CorrelationSpellings.Where(s => s != used), other => Assert.False(response.Headers.Contains(other), $"also echoed as {other}"));
    }
}
