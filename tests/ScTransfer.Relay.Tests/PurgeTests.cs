using System.Diagnostics;
using Azure.Data.Tables;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// The timer purge (draft §8.3): expired mailboxes lose their content at once (a tombstone keeps the identifier
/// refused), tombstones go after their retention, live ones stay, at a cost that does not grow with the live ones.
/// </summary>
[Trait(Needs.Trait, Needs.Azurite)]
public sealed class PurgeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Budget = TimeSpan.FromMinutes(5); // ample: a run stopped by its budget has its own tests

    private static async Task<List<Mailbox>> AddAsync(StoreHarness harness, int count, TimeSpan lifetime)
    {
        var added = new System.Collections.Concurrent.ConcurrentBag<Mailbox>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (_, ct) =>
        {
            var mailbox = harness.NewMailbox(lifetime);
            Assert.True(await harness.Store.TryAddAsync(mailbox, ct));
            added.Add(mailbox);
        });
        return [.. added];
    }

    private static async Task<List<TableEntity>> EntitiesAsync(StoreHarness harness)
    {
        var entities = new List<TableEntity>();
        await foreach (var entity in harness.MailboxTable.QueryAsync<TableEntity>())
        {
            entities.Add(entity);
        }

        return entities;
    }

    private static async Task<(int Cost, int Expected)> PurgeCostAsync(int live, int expired)
    {
        var harness = new StoreHarness();
        var due = await AddAsync(harness, expired, TimeSpan.FromMinutes(1));
        await AddAsync(harness, live, TimeSpan.FromDays(1));
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        harness.Counter.Reset();
        var report = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, CancellationToken.None);
        var cost = harness.Counter.Count;

        Assert.Equal((expired, 0, 0, true), (report.Tombstoned, report.Deleted, report.Skipped, report.Complete));
        var stored = await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);
        Assert.Equal((live + expired, expired, live + expired), (stored.Mailboxes, stored.Tombstones, stored.IndexRows));

        // One range query per shard, and one entity-group transaction per 33 due mailboxes of a shard (3 operations each).
        var transactions = due.GroupBy(m => harness.Store.Shard(m.Id)).Sum(shard => (shard.Count() + 32) / 33);
        await harness.MailboxTable.DeleteAsync(); // thousands of live entities: do not leave them in the shared emulator
        return (cost, harness.Storage.Shards + transactions);
    }

    [Fact]
    public async Task Purging_costs_one_query_per_shard_and_one_batch_per_shard_with_work_among_100_or_3000_live_mailboxes()
    {
        var amongFew = await PurgeCostAsync(live: 100, expired: 100);
        var amongMany = await PurgeCostAsync(live: 3000, expired: 100);

        Assert.Equal(amongFew.Expected, amongFew.Cost);
        Assert.Equal(amongMany.Expected, amongMany.Cost);
        Assert.InRange(amongMany.Cost, 64, 64 + 100); // O(shards + expired), whatever the live mailboxes
    }

    [Fact]
    public async Task An_expired_mailbox_becomes_a_bare_tombstone_and_the_tombstone_goes_after_its_retention()
    {
        var harness = new StoreHarness();
        var live = harness.NewMailbox(TimeSpan.FromDays(30));
        var expired = harness.NewMailbox(TimeSpan.FromSeconds(30));
        Assert.True(await harness.Store.TryAddAsync(live, default));
        Assert.True(await harness.Store.TryAddAsync(expired, default));
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        var first = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);

        Assert.Equal((1, 0), (first.Tombstoned, first.Deleted));
        var tombstone = (await EntitiesAsync(harness)).Single(e => e.RowKey == expired.Id.ToString());
        Assert.Equal(
            ["ExpiresAt", "Kind", "OpId", "PartitionKey", "PurgeAt", "RowKey", "Timestamp", "V", "odata.etag"],
            tombstone.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(expired.ExpiresAt + harness.Purge.TombstoneRetention, tombstone.GetDateTimeOffset("PurgeAt"));
        Assert.True((await harness.Store.GetAsync(expired.Id, MailboxView.Full, default))!.IsTombstone);

        harness.Time.Advance(expired.ExpiresAt + harness.Purge.TombstoneRetention - harness.Time.GetUtcNow() - TimeSpan.FromSeconds(1));
        var early = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var due = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);

        Assert.Equal((0, 0), (early.Tombstoned, early.Deleted));
        Assert.Equal((0, 1), (due.Tombstoned, due.Deleted));
        Assert.Null(await harness.Store.GetAsync(expired.Id, MailboxView.Full, default));
        Assert.False((await harness.Store.GetAsync(live.Id, MailboxView.Full, default))!.IsTombstone);
    }

    [Fact]
    public async Task Three_thousand_mailboxes_that_expire_together_are_all_emptied_then_all_removed_within_a_bound()
    {
        var harness = new StoreHarness();
        var mailboxes = await AddAsync(harness, 3000, TimeSpan.FromMinutes(1));
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        var clock = Stopwatch.StartNew();
        harness.Counter.Reset();
        var emptied = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        var (emptying, emptyingRequests) = (clock.Elapsed, harness.Counter.Count);
        harness.Time.Advance(harness.Purge.TombstoneRetention);
        clock.Restart();
        harness.Counter.Reset();
        var removed = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        var (removing, removingRequests) = (clock.Elapsed, harness.Counter.Count);

        output.WriteLine($"3000 tombstoned in {emptying.TotalMilliseconds:F0} ms ({3000 / emptying.TotalSeconds:F0}/s, {emptyingRequests} requests); "
            + $"3000 removed in {removing.TotalMilliseconds:F0} ms ({3000 / removing.TotalSeconds:F0}/s, {removingRequests} requests)");
        Assert.Equal((3000, true), (emptied.Tombstoned, emptied.Complete));
        Assert.Equal((3000, true), (removed.Deleted, removed.Complete));
        Assert.Equal(0, await harness.CountAsync(harness.MailboxTable)); // index rows included
        // The bound is in storage requests, not seconds (a shared machine's speed varies): per shard one query, and one
        // transaction per 100 due operations (33 mailboxes retired, 50 tombstones removed); at most that many per run.
        var shards = harness.Storage.Shards;
        Assert.InRange(emptyingRequests, shards, shards + shards + (3000 / 33));
        Assert.InRange(removingRequests, shards, shards + shards + (3000 / 50));
        Assert.Null(await harness.Store.GetAsync(mailboxes[0].Id, MailboxView.Full, default));
    }

    [Fact]
    public async Task A_run_stops_when_its_time_budget_is_spent_and_says_so()
    {
        var harness = new StoreHarness();
        await AddAsync(harness, 20, TimeSpan.FromSeconds(10));
        harness.Time.Advance(TimeSpan.FromMinutes(1));

        var spent = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), TimeSpan.Zero, default);
        var next = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);

        Assert.Equal((0, false), (spent.Tombstoned, spent.Complete));
        Assert.Equal((20, true), (next.Tombstoned, next.Complete));
    }

    [Fact]
    public async Task Concurrent_purges_and_an_explicit_delete_never_fail_each_other()
    {
        var harness = new StoreHarness();
        var sender = DeviceClaim.New();
        var deletedByHand = harness.NewMailbox(TimeSpan.FromSeconds(10), sender);
        Assert.True(await harness.Store.TryAddAsync(deletedByHand, default));
        await AddAsync(harness, 300, TimeSpan.FromSeconds(10));
        Assert.Equal(200, (await harness.Mailboxes.DeleteAsync(deletedByHand.Id, sender, default)).Status);
        harness.Time.Advance(TimeSpan.FromMinutes(1));

        // Racing runs meet each other's steps: a batch whose index row another run took fails whole, and its steps go
        // again one transaction each, so each mailbox is emptied exactly once and never loses its index row.
        var reports = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default))).DefaultTimeout();

        Assert.Equal(300, reports.Sum(r => r.Tombstoned)); // each expired mailbox emptied exactly once
        var stored = await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);
        Assert.Equal((301, 301, 301), (stored.Mailboxes, stored.Tombstones, stored.IndexRows));
    }
}
