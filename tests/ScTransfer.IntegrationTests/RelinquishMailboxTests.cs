using System.Net;
using Azure.Data.Tables;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>RelinquishMailbox (later revisions, <c>PATCH /v1/m/{id}</c>): the bound receiver lets go so another can bind.</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class RelinquishMailboxTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    private async Task<(string Id, string Sender, string Receiver)> BoundMailboxAsync()
    {
        var (id, sender) = await _relay.CreateMailboxAsync();
        var receiver = RelayClient.NewId();
        using var read = await _relay.ReadAsync(id, receiver);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        return (id, sender, receiver);
    }

    [Fact]
    public async Task The_bound_receiver_relinquishes_and_a_different_receiver_then_binds()
    {
        var (id, sender, first) = await BoundMailboxAsync();
        var second = RelayClient.NewId();
        using var refusedWhileBound = await _relay.ReadAsync(id, second);
        Assert.Equal(HttpStatusCode.Unauthorized, refusedWhileBound.StatusCode);

        using var relinquished = await _relay.RelinquishAsync(id, first, RelayClient.NewId());
        using var secondBinds = await _relay.ReadAsync(id, second);
        using var firstIsOut = await _relay.ReadAsync(id, first);
        using var senderStillIn = await _relay.ReadAsync(id, sender);

        Assert.Equal(HttpStatusCode.OK, relinquished.StatusCode);
        Assert.Equal(0, relinquished.Content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.OK, secondBinds.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, firstIsOut.StatusCode);
        Assert.Equal(HttpStatusCode.OK, senderStillIn.StatusCode);
    }

    [Fact]
    public async Task A_duplicate_gets_201_though_the_caller_is_no_longer_bound_until_another_receiver_binds()
    {
        var (id, _, receiver) = await BoundMailboxAsync();
        var correlation = RelayClient.NewId();

        using var original = await _relay.RelinquishAsync(id, receiver, correlation);
        using var duplicate = await _relay.RelinquishAsync(id, receiver, correlation);
        using var newCorrelation = await _relay.RelinquishAsync(id, receiver, RelayClient.NewId());
        using var otherClaimSameCorrelation = await _relay.RelinquishAsync(id, RelayClient.NewId(), correlation);

        Assert.Equal(HttpStatusCode.OK, original.StatusCode);
        Assert.Equal(HttpStatusCode.Created, duplicate.StatusCode);
        Assert.Equal(correlation, duplicate.Headers.GetValues("Mailbox-Correlation-ID").Single());
        Assert.Equal(HttpStatusCode.Unauthorized, newCorrelation.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, otherClaimSameCorrelation.StatusCode);

        // A new binding forgets the relinquish: its retry no longer counts, and the new receiver stays bound.
        var next = RelayClient.NewId();
        (await _relay.ReadAsync(id, next)).Dispose();
        using var lateRetry = await _relay.RelinquishAsync(id, receiver, correlation);
        using var nextStillBound = await _relay.ReadAsync(id, next);
        Assert.Equal(HttpStatusCode.Unauthorized, lateRetry.StatusCode);
        Assert.Equal(HttpStatusCode.OK, nextStillBound.StatusCode);
    }

    [Fact]
    public async Task The_sender_strangers_and_callers_of_an_unbound_mailbox_are_refused_with_401()
    {
        var (id, sender, receiver) = await BoundMailboxAsync();
        var (unbound, unboundSender) = await _relay.CreateMailboxAsync();

        using var bySender = await _relay.RelinquishAsync(id, sender, RelayClient.NewId());
        using var byStranger = await _relay.RelinquishAsync(id, RelayClient.NewId(), RelayClient.NewId());
        using var onUnbound = await _relay.RelinquishAsync(unbound, RelayClient.NewId(), RelayClient.NewId());
        using var bySenderOfUnbound = await _relay.RelinquishAsync(unbound, unboundSender, RelayClient.NewId());
        using var receiverStillBound = await _relay.ReadAsync(id, receiver);

        Assert.Equal(HttpStatusCode.Unauthorized, bySender.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, byStranger.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, onUnbound.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bySenderOfUnbound.StatusCode);
        Assert.Equal(HttpStatusCode.OK, receiverStillBound.StatusCode);
    }

    [Fact]
    public async Task Unknown_mailboxes_are_404_malformed_requests_400_and_every_answer_echoes_the_correlation_id()
    {
        var correlation = RelayClient.NewId();
        var (id, _, receiver) = await BoundMailboxAsync();
        var (deleted, deletedSender) = await _relay.CreateMailboxAsync();
        (await _relay.DeleteAsync(deleted, deletedSender)).Dispose();

        using var unknown = await _relay.RelinquishAsync(RelayClient.NewId(), RelayClient.NewId(), correlation);
        using var gone = await _relay.RelinquishAsync(deleted, deletedSender, correlation);
        using var badId = await _relay.RelinquishAsync("not-a-uuid", RelayClient.NewId(), correlation);
        using var noClaim = await _relay.RelinquishAsync(id, null, correlation);
        using var badClaim = await _relay.RelinquishAsync(id, "receiver", correlation);
        using var done = await _relay.RelinquishAsync(id, receiver, correlation);

        foreach (var (response, status) in new[]
        {
            (unknown, HttpStatusCode.NotFound), (gone, HttpStatusCode.NotFound), (badId, HttpStatusCode.BadRequest),
            (noClaim, HttpStatusCode.BadRequest), (badClaim, HttpStatusCode.BadRequest), (done, HttpStatusCode.OK),
        })
        {
            Assert.Equal(status, response.StatusCode);
            Assert.Equal(correlation, response.Headers.GetValues("Mailbox-Correlation-ID").Single());
        }
    }

    [Fact]
    public async Task Without_a_correlation_id_nothing_of_the_receiver_is_kept_so_a_retry_is_refused()
    {
        var (id, _, receiver) = await BoundMailboxAsync();

        using var first = await _relay.RelinquishAsync(id, receiver);
        using var retry = await _relay.RelinquishAsync(id, receiver);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, retry.StatusCode);
        Assert.DoesNotContain(await StoredPropertiesAsync(id), name => name.StartsWith("Relinquished", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_receivers_token_and_binding_leave_with_it_and_the_next_bind_clears_the_retry_record()
    {
        var (id, _, receiver) = await BoundMailboxAsync();
        using var update = await _relay.UpdateAsync(id, RelayClient.UpdateBody(), receiver, RelayClient.NewId());
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Contains("ReceiverTokenData", await StoredPropertiesAsync(id));

        (await _relay.RelinquishAsync(id, receiver, RelayClient.NewId())).Dispose();
        var afterRelinquish = await StoredPropertiesAsync(id);
        (await _relay.ReadAsync(id, RelayClient.NewId())).Dispose();
        var afterNextBind = await StoredPropertiesAsync(id);

        // §8.2: the departed device's token, claim hash and request record are gone; only the keyed retry record stays.
        Assert.DoesNotContain("ReceiverTokenType", afterRelinquish);
        Assert.DoesNotContain("ReceiverTokenData", afterRelinquish);
        Assert.DoesNotContain("ReceiverClaimHash", afterRelinquish);
        Assert.DoesNotContain("ReceiverLastCorrelationHash", afterRelinquish);
        Assert.Contains("RelinquishedClaimHash", afterRelinquish);
        Assert.Contains("ReceiverClaimHash", afterNextBind);
        Assert.DoesNotContain(afterNextBind, name => name.StartsWith("Relinquished", StringComparison.Ordinal));
    }

    /// <summary>
    /// The properties that hold something: a merge cannot remove a property, so the relay clears one by writing it empty
    /// (an empty binary or string, a push time at the epoch), which holds nothing of the device.
    /// </summary>
    private async Task<IReadOnlyCollection<string>> StoredPropertiesAsync(string id)
    {
        var table = Azurite.CreateServiceClient().GetTableClient(fixture.Relay.MailboxTable);
        await foreach (var entity in table.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"RowKey eq {id}")))
        {
            return [.. entity.Where(p => p.Value switch
            {
                byte[] bytes => bytes.Length > 0,
                BinaryData data => !data.IsEmpty,
                string text => text.Length > 0,
                DateTimeOffset at => at > DateTimeOffset.UnixEpoch,
                DateTime at => at > DateTime.UnixEpoch,
                _ => true,
            }).Select(p => p.Key)];
        }

        throw new InvalidOperationException("The mailbox is not stored.");
    }
}
