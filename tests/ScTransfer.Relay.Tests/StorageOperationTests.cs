using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// What a stateless transfer costs in storage requests (docs/capacity.md, "What a transfer costs in storage"): 6 round trips on the
/// request path (insert with its index row; get; get + conditional merge; get + conditional replace to a tombstone moving
/// its index row) carrying 9 entity operations, and at most 1 deferred round trip (the purge removing the tombstone and
/// its row, shared with up to 49 other tombstones in one entity-group transaction).
/// </summary>
[Trait(Needs.Trait, Needs.Azurite)]
public sealed class StorageOperationTests
{
    [Fact]
    public async Task A_stateless_transfer_costs_six_requests_and_its_tombstone_at_most_one_more_later()
    {
        var harness = new StoreHarness();
        var ids = new List<MailboxId>();
        var requestPath = new List<(int RoundTrips, int Entities)>();
        for (var i = 0; i < 20; i++)
        {
            var id = MailboxId.New();
            var sender = DeviceClaim.New();
            var create = new CreateMailboxRequest(id, """{"title":"Car Key"}""", new SecurePayload("AES256", new byte[64]), null,
                AccessRights.Read | AccessRights.Delete, harness.Time.GetUtcNow().AddHours(1));
            harness.Counter.Reset();
            Assert.Equal(200, (await harness.Mailboxes.CreateAsync(create, sender, null, default)).Status);
            Assert.Equal(200, (await harness.Mailboxes.PreviewAsync(id, default)).Status);
            Assert.Equal(200, (await harness.Mailboxes.ReadAsync(id, DeviceClaim.New(), default)).Status);
            Assert.Equal(200, (await harness.Mailboxes.DeleteAsync(id, sender, default)).Status);
            requestPath.Add((harness.Counter.Count, harness.Counter.EntityOperations));
            ids.Add(id);
        }

        harness.Time.Advance(TimeSpan.FromHours(1) + harness.Purge.TombstoneRetention);
        harness.Counter.Reset();
        var report = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), TimeSpan.FromSeconds(30), default);
        var deferred = harness.Counter.Count - harness.Storage.Shards; // one query per shard is the run's own cost

        Assert.All(requestPath, cost => Assert.Equal((6, 9), cost));
        Assert.Equal(20, report.Deleted);
        Assert.InRange(deferred, 1, ids.Count); // at most one per transfer (fewer when tombstones share a shard's batch)
        Assert.All(ids, id => Assert.Null(harness.Store.GetAsync(id, MailboxView.Full, default).Result));
    }
}
