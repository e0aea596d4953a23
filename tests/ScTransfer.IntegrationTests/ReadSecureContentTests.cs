using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>ReadSecureContentFromMailbox, draft §6.5, and receiver binding (§2 Device Claim).</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class ReadSecureContentTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    [Fact]
    public async Task The_sender_reads_without_binding_and_the_first_other_claim_binds_as_receiver()
    {
        var (id, sender) = await _relay.CreateMailboxAsync();
        var receiver = RelayClient.NewId();

        using var bySender = await _relay.ReadAsync(id, sender);
        using var byReceiver = await _relay.ReadAsync(id, receiver);
        using var byReceiverAgain = await _relay.ReadAsync(id, receiver);
        using var byStranger = await _relay.ReadAsync(id, RelayClient.NewId());
        using var bySenderAfter = await _relay.ReadAsync(id, sender);

        Assert.Equal(HttpStatusCode.OK, bySender.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byReceiver.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byReceiverAgain.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, byStranger.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bySenderAfter.StatusCode);
    }

    [Fact]
    public async Task The_answer_holds_display_information_payload_and_expiration_and_is_never_cached()
    {
        var id = RelayClient.NewId();
        var data = RelayClient.RandomPayloadData(48);
        var before = DateTimeOffset.UtcNow;
        using var _ = await _relay.CreateAsync(RelayClient.CreateBody(id, data: data, timeToLive: "3600"), RelayClient.NewId());
        var after = DateTimeOffset.UtcNow;

        using var response = await _relay.ReadAsync(id, RelayClient.NewId());
        var json = await RelayClient.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl!.NoStore);
        Assert.Equal("Hotel Pass", json["displayInformation"]!["title"]!.GetValue<string>());
        Assert.Equal("AES128", json["payload"]!["type"]!.GetValue<string>());
        Assert.Equal(data, json["payload"]!["data"]!.GetValue<string>());
        var expiration = DateTimeOffset.Parse(json["expiration"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(expiration, before.AddSeconds(3600), after.AddSeconds(3600 + 1)); // an hour from the create, rounded up to a whole second
    }

    [Fact]
    public async Task Of_concurrent_first_reads_by_different_claims_exactly_one_binds()
    {
        var (id, _) = await _relay.CreateMailboxAsync();
        var claims = Enumerable.Range(0, 24).Select(_ => RelayClient.NewId()).ToArray();

        var responses = await Task.WhenAll(claims.Select(c => _relay.ReadAsync(id, c)));

        var winners = claims.Where((_, i) => responses[i].StatusCode == HttpStatusCode.OK).ToArray();
        Assert.Single(winners);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode));
        using var winnerAgain = await _relay.ReadAsync(id, winners[0]);
        Assert.Equal(HttpStatusCode.OK, winnerAgain.StatusCode);
    }

    [Fact]
    public async Task A_mailbox_without_read_access_refuses_every_read()
    {
        var (id, sender) = await _relay.CreateMailboxAsync(accessRights: "WD");

        using var bySender = await _relay.ReadAsync(id, sender);
        using var byOther = await _relay.ReadAsync(id, RelayClient.NewId());

        Assert.Equal(HttpStatusCode.Unauthorized, bySender.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, byOther.StatusCode);
    }

    [Fact]
    public async Task Unknown_mailboxes_are_404_and_malformed_requests_400()
    {
        using var unknown = await _relay.ReadAsync(RelayClient.NewId(), RelayClient.NewId());
        using var badId = await _relay.ReadAsync("not-a-uuid", RelayClient.NewId());
        using var noClaim = await _relay.ReadAsync(RelayClient.NewId(), null);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noClaim.StatusCode);
    }
}
