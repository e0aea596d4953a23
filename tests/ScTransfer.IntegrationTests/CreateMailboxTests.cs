using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>CreateMailbox, draft §6.1.</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class CreateMailboxTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    [Fact]
    public async Task The_link_comes_from_configuration_not_from_the_Host_header()
    {
        var id = RelayClient.NewId();
        using var request = RelayClient.Request(HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(id));
        request.Headers.Host = "attacker.example";
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "attacker.example");

        using var response = await _relay.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal($"https://relay.test.example/v1/m/{id}", (await RelayClient.ReadJsonAsync(response))["urlLink"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_retry_with_the_same_correlation_id_gets_201_and_the_same_link_without_applying_the_body()
    {
        var id = RelayClient.NewId();
        var claim = RelayClient.NewId();
        var correlation = RelayClient.NewId();
        var original = RelayClient.RandomPayloadData();
        using var first = await _relay.CreateAsync(RelayClient.CreateBody(id, data: original), claim, correlation);
        using var retry = await _relay.CreateAsync(RelayClient.CreateBody(id, data: RelayClient.RandomPayloadData()), claim, correlation);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal((await RelayClient.ReadJsonAsync(first))["urlLink"]!.ToString(), (await RelayClient.ReadJsonAsync(retry))["urlLink"]!.ToString());
        using var read = await _relay.ReadAsync(id, claim);
        Assert.Equal(original, (await RelayClient.ReadJsonAsync(read))["payload"]!["data"]!.GetValue<string>());
    }

    [Fact]
    public async Task An_existing_mailbox_under_a_new_correlation_id_or_another_claim_is_refused_with_401()
    {
        var id = RelayClient.NewId();
        var claim = RelayClient.NewId();
        using var first = await _relay.CreateAsync(RelayClient.CreateBody(id), claim, RelayClient.NewId());
        using var sameClaimNewId = await _relay.CreateAsync(RelayClient.CreateBody(id), claim, RelayClient.NewId());
        using var otherClaim = await _relay.CreateAsync(RelayClient.CreateBody(id), RelayClient.NewId(), RelayClient.NewId());
        using var noCorrelation = await _relay.CreateAsync(RelayClient.CreateBody(id), claim);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, sameClaimNewId.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherClaim.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noCorrelation.StatusCode);
    }

    [Fact]
    public async Task An_expired_identifier_is_refused_to_a_stranger_and_its_old_receiver_never_reaches_the_strangers_mailbox()
    {
        var id = RelayClient.NewId();
        var receiver = RelayClient.NewId();
        using (var created = await _relay.CreateAsync(RelayClient.CreateBody(id, timeToLive: "10"), RelayClient.NewId())) // long enough to read it on a busy machine
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var bound = await _relay.ReadAsync(id, receiver))
        {
            Assert.Equal(HttpStatusCode.OK, bound.StatusCode);
        }

        await Timeouts.WaitUntilAsync(async () =>
        {
            using var preview = await _relay.PreviewAsync(id);
            return preview.StatusCode == HttpStatusCode.NotFound; // expired, not yet purged (this relay's purge runs once a year)
        }, TimeSpan.FromSeconds(40));

        var stranger = RelayClient.NewId();
        using var takeover = await _relay.CreateAsync(RelayClient.CreateBody(id), stranger, RelayClient.NewId());
        using var oldReceiver = await _relay.ReadAsync(id, receiver);

        Assert.Equal(HttpStatusCode.Unauthorized, takeover.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, oldReceiver.StatusCode);
    }

    [Fact]
    public async Task Of_concurrent_creates_of_one_identifier_exactly_one_succeeds()
    {
        var id = RelayClient.NewId();
        var responses = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ =>
            _relay.CreateAsync(RelayClient.CreateBody(id), RelayClient.NewId(), RelayClient.NewId())));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
    }

    [Fact]
    public async Task Both_spellings_of_the_image_URL_and_of_the_token_kind_are_accepted()
    {
        var body = RelayClient.CreateBody(RelayClient.NewId());
        body["displayInformation"] = new JsonObject { ["title"] = "Car Key", ["imageURL"] = "https://car.example/key.png" };
        body["notificationToken"] = new JsonObject { ["name"] = "com.apple.apns", ["tokenData"] = "APNS1234QW" }; // Figure 3
        body["mailboxConfiguration"] = new JsonObject { ["accessRights"] = "RWD", ["timeToLive"] = 8640 };

        using var response = await _relay.CreateAsync(body, RelayClient.NewId());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_payload_of_exactly_the_limit_is_stored_whole_and_one_byte_more_is_413()
    {
        var limit = 128 * 1024;
        var exact = RelayClient.RandomPayloadData(limit);
        var id = RelayClient.NewId();
        var claim = RelayClient.NewId();
        using var accepted = await _relay.CreateAsync(RelayClient.CreateBody(id, data: exact), claim);
        using var refused = await _relay.CreateAsync(RelayClient.CreateBody(RelayClient.NewId(), data: RelayClient.RandomPayloadData(limit + 1)), RelayClient.NewId());

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Contains("131072", await RelayClient.ProblemDetailAsync(refused));
        using var read = await _relay.ReadAsync(id, claim);
        Assert.Equal(exact, (await RelayClient.ReadJsonAsync(read))["payload"]!["data"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_body_far_over_the_limit_is_refused_before_it_is_read_whole()
    {
        // With Expect: 100-continue the client sends the body only if the relay asks for it: a 413 here proves
        // the relay judged the declared length without reading 8 MiB.
        var huge = new string('A', 8 * 1024 * 1024);
        using var request = RelayClient.RawRequest(
            HttpMethod.Post, "v1/m", RelayClient.NewId(), new StringContent($"{{\"payload\":\"{huge}\"}}", Encoding.UTF8, "application/json"));
        request.Headers.ExpectContinue = true;
        using var response = await _relay.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    public static TheoryData<string, string> BadBodies() => new()
    {
        { "not json at all", "not valid JSON" },
        { "[1,2,3]", "JSON object" },
        { """{"mailboxIdentifier":"12345","displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"60"}}""", "mailboxIdentifier" },
        { """{"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"60"}}""", "displayInformation" },
        { """{"displayInformation":{"title":5},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"60"}}""", "displayInformation.title" },
        { """{"displayInformation":{},"mailboxConfiguration":{"timeToLive":"60"}}""", "payload" },
        { """{"displayInformation":{},"payload":{"type":"DES","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"60"}}""", "payload.type" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"not base64!"},"mailboxConfiguration":{"timeToLive":"60"}}""", "payload.data" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"60"}}""", "too short" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{}}""", "timeToLive" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"0"}}""", "timeToLive" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":-5}}""", "timeToLive" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"604801"}}""", "timeToLive" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"1 day"}}""", "timeToLive" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"60","accessRights":"RX"}}""", "accessRights" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"notificationToken":{"type":"com.example.push","tokenData":"x"},"mailboxConfiguration":{"timeToLive":"60"}}""", "notificationToken.type" },
        { """{"displayInformation":{},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"payload":{"type":"AES128","data":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},"mailboxConfiguration":{"timeToLive":"60"}}""", "duplicate keys" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task A_malformed_body_gets_400_naming_what_to_fix(string body, string detailMentions)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await _relay.SendAsync(HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.NewId(), content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(detailMentions, await RelayClient.ProblemDetailAsync(response), StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-a-uuid")]
    [InlineData("{6F9619FF-8B86-D011-B42D-00CF4FC964FF}")]
    public async Task A_missing_or_malformed_device_claim_gets_400(string? claim)
    {
        using var response = await _relay.CreateAsync(RelayClient.CreateBody(RelayClient.NewId()), claim, RelayClient.NewId());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("deviceClaim", await RelayClient.ProblemDetailAsync(response));
    }

    [Fact]
    public async Task Two_claim_header_lines_in_one_request_are_refused_as_ambiguous()
    {
        // HttpClient would fold two values into one line; write the request by hand to send two header lines.
        var body = RelayClient.CreateBody(RelayClient.NewId()).ToJsonString();
        var request = "POST /v1/m HTTP/1.1\r\nHost: relay\r\nContent-Type: application/json\r\n"
            + $"deviceClaim: {RelayClient.NewId()}\r\ndeviceClaim: {RelayClient.NewId()}\r\n"
            + $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(_relay.Http.BaseAddress!.Host, _relay.Http.BaseAddress.Port);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        var answer = await new StreamReader(stream, Encoding.UTF8).ReadToEndAsync();

        Assert.StartsWith("HTTP/1.1 400", answer);
        Assert.Contains("several claims in one request are ambiguous", answer);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/json; charset=utf-16")]
    public async Task A_body_that_is_not_JSON_by_content_type_gets_415(string contentType)
    {
        using var content = new StringContent(RelayClient.CreateBody(RelayClient.NewId()).ToJsonString());
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await _relay.SendAsync(HttpMethod.Post, "v1/m", RelayClient.NewId(), null, content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public async Task Default_access_rights_are_read_and_delete_so_updates_are_refused()
    {
        var id = RelayClient.NewId();
        var claim = RelayClient.NewId();
        var body = RelayClient.CreateBody(id);
        body["mailboxConfiguration"]!.AsObject().Remove("accessRights");
        using var created = await _relay.CreateAsync(body, claim);
        using var update = await _relay.UpdateAsync(id, RelayClient.UpdateBody(), claim);
        using var read = await _relay.ReadAsync(id, claim);

        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, update.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
    }
}
