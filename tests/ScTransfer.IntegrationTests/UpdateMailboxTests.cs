using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>UpdateMailbox, draft §6.2, and the stateful flow of §3.2.</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class UpdateMailboxTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    private async Task<(string Id, string Sender, string Receiver)> BoundMailboxAsync(string rights = "RWD")
    {
        var (id, sender) = await _relay.CreateMailboxAsync(rights);
        var receiver = RelayClient.NewId();
        using var read = await _relay.ReadAsync(id, receiver);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        return (id, sender, receiver);
    }

    private async Task<string> PayloadAsync(string id, string claim)
    {
        using var read = await _relay.ReadAsync(id, claim);
        return (await RelayClient.ReadJsonAsync(read))["payload"]!["data"]!.GetValue<string>();
    }

    [Fact]
    public async Task Sender_and_bound_receiver_overwrite_the_payload_in_turn()
    {
        var (id, sender, receiver) = await BoundMailboxAsync();
        var reply = RelayClient.RandomPayloadData();
        var answer = RelayClient.RandomPayloadData();

        using var byReceiver = await _relay.UpdateAsync(id, RelayClient.UpdateBody(reply), receiver, RelayClient.NewId());
        var seenBySender = await PayloadAsync(id, sender);
        using var bySender = await _relay.UpdateAsync(id, RelayClient.UpdateBody(answer, RelayClient.Token("com.apple.apns", "apns-token")), sender, RelayClient.NewId());
        var seenByReceiver = await PayloadAsync(id, receiver);

        Assert.Equal(HttpStatusCode.OK, byReceiver.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bySender.StatusCode);
        Assert.Equal(reply, seenBySender);
        Assert.Equal(answer, seenByReceiver);
    }

    [Fact]
    public async Task A_duplicate_update_gets_201_and_does_not_apply_its_body()
    {
        var (id, _, receiver) = await BoundMailboxAsync();
        var correlation = RelayClient.NewId();
        var first = RelayClient.RandomPayloadData();

        using var original = await _relay.UpdateAsync(id, RelayClient.UpdateBody(first), receiver, correlation);
        using var duplicate = await _relay.UpdateAsync(id, RelayClient.UpdateBody(RelayClient.RandomPayloadData()), receiver, correlation);

        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal(HttpStatusCode.Created, duplicate.StatusCode);
        Assert.Equal(first, await PayloadAsync(id, receiver));
    }

    [Fact]
    public async Task Strangers_unbound_receivers_and_mailboxes_without_W_are_refused()
    {
        var (id, _) = await _relay.CreateMailboxAsync();
        var (readOnly, readOnlySender, readOnlyReceiver) = await BoundMailboxAsync("RD");

        using var stranger = await _relay.UpdateAsync(id, RelayClient.UpdateBody(), RelayClient.NewId());
        using var senderWithoutW = await _relay.UpdateAsync(readOnly, RelayClient.UpdateBody(), readOnlySender);
        using var receiverWithoutW = await _relay.UpdateAsync(readOnly, RelayClient.UpdateBody(), readOnlyReceiver);

        Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, senderWithoutW.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, receiverWithoutW.StatusCode);
    }

    [Fact]
    public async Task Concurrent_updates_by_sender_and_receiver_all_succeed_and_none_is_torn_or_forgotten()
    {
        var (id, sender, receiver) = await BoundMailboxAsync();
        var updates = Enumerable.Range(0, 12).Select(i => (
            Claim: i % 2 == 0 ? sender : receiver,
            Correlation: RelayClient.NewId(),
            Data: RelayClient.RandomPayloadData(70_000))).ToArray(); // two storage chunks each

        var responses = await Task.WhenAll(updates.Select(u => _relay.UpdateAsync(id, RelayClient.UpdateBody(u.Data), u.Claim, u.Correlation)));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var stored = await PayloadAsync(id, sender);
        var last = Assert.Single(updates, u => u.Data == stored); // whole, from exactly one update

        // The update that landed last is remembered with its party's claim: its retry is a duplicate and changes nothing.
        using var retry = await _relay.UpdateAsync(id, RelayClient.UpdateBody(), last.Claim, last.Correlation);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(stored, await PayloadAsync(id, receiver));
    }

    [Fact]
    public async Task An_update_needs_payload_and_notification_token()
    {
        var (id, sender) = await _relay.CreateMailboxAsync();
        var withoutToken = RelayClient.UpdateBody();
        withoutToken.Remove("notificationToken");
        var withoutPayload = RelayClient.UpdateBody();
        withoutPayload.Remove("payload");

        using var noToken = await _relay.UpdateAsync(id, withoutToken, sender);
        using var noPayload = await _relay.UpdateAsync(id, withoutPayload, sender);
        using var unknown = await _relay.UpdateAsync(RelayClient.NewId(), RelayClient.UpdateBody(), sender);

        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
        Assert.Contains("notificationToken", await RelayClient.ProblemDetailAsync(noToken));
        Assert.Equal(HttpStatusCode.BadRequest, noPayload.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
