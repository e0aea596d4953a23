using System.Net;

namespace ScTransfer.IntegrationTests;

/// <summary>DeleteMailbox, draft §6.3.</summary>
[Collection(RelayCollection.Name)]
public sealed class DeleteMailboxTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    [Fact]
    public async Task The_sender_may_cancel_at_any_time_and_then_every_endpoint_answers_404()
    {
        var (id, sender) = await _relay.CreateMailboxAsync(accessRights: "R"); // no D: the sender may still revoke

        using var deleted = await _relay.DeleteAsync(id, sender);

        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var preview = await _relay.PreviewAsync(id);
        using var read = await _relay.ReadAsync(id, sender);
        using var update = await _relay.UpdateAsync(id, RelayClient.UpdateBody(), sender);
        using var again = await _relay.DeleteAsync(id, sender);
        Assert.Equal(HttpStatusCode.NotFound, preview.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, update.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task The_bound_receiver_needs_D_and_strangers_are_refused()
    {
        var (withD, _) = await _relay.CreateMailboxAsync(accessRights: "RD");
        var (withoutD, _) = await _relay.CreateMailboxAsync(accessRights: "RW");
        var receiver = RelayClient.NewId();
        (await _relay.ReadAsync(withD, receiver)).Dispose();
        (await _relay.ReadAsync(withoutD, receiver)).Dispose();

        using var stranger = await _relay.DeleteAsync(withD, RelayClient.NewId());
        using var receiverWithoutD = await _relay.DeleteAsync(withoutD, receiver);
        using var receiverWithD = await _relay.DeleteAsync(withD, receiver);

        Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, receiverWithoutD.StatusCode);
        Assert.Equal(HttpStatusCode.OK, receiverWithD.StatusCode);
    }

    [Fact]
    public async Task A_retried_delete_finds_nothing_and_gets_404_as_section_6_3_3_allows()
    {
        var (id, sender) = await _relay.CreateMailboxAsync();
        var correlation = RelayClient.NewId();

        using var first = await _relay.DeleteAsync(id, sender, correlation);
        using var retry = await _relay.DeleteAsync(id, sender, correlation);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, retry.StatusCode);
        Assert.Equal(correlation, retry.Headers.GetValues("Mailbox-Correlation-ID").Single());
    }

    [Fact]
    public async Task Of_concurrent_deletes_exactly_one_answers_200()
    {
        var (id, sender) = await _relay.CreateMailboxAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => _relay.DeleteAsync(id, sender)));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.OK), r => Assert.Equal(HttpStatusCode.NotFound, r.StatusCode));
    }
}
