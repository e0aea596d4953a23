using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>DeleteMailbox, draft §6.3.</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
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
    public async Task A_deleted_identifier_is_never_created_again_so_a_revoked_link_never_shows_a_strangers_title()
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        var correlation = RelayClient.NewId();
        using (var created = await _relay.CreateAsync(RelayClient.CreateBody(id), sender, correlation))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var deleted = await _relay.DeleteAsync(id, sender))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        var evil = RelayClient.CreateBody(id);
        evil["displayInformation"]!["title"] = "re-verify your key at evil.example";
        using var stranger = await _relay.CreateAsync(evil, RelayClient.NewId(), RelayClient.NewId());
        using var preview = await _relay.PreviewAsync(id);
        using var sendersRetry = await _relay.CreateAsync(RelayClient.CreateBody(id), sender, correlation);

        Assert.Equal(HttpStatusCode.Unauthorized, stranger.StatusCode); // §6.1.5: the identifier exists (as a tombstone)
        Assert.Equal(HttpStatusCode.NotFound, preview.StatusCode);
        Assert.DoesNotContain("evil.example", await preview.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, sendersRetry.StatusCode); // the tombstone remembers no claim or Correlation-ID
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
