using Azure.Data.Tables;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Tests;

/// <summary>The timer purge (draft §8.3): every trace of expired mailboxes goes, live ones stay, at a cost that does not grow with the live ones.</summary>
public sealed class PurgeTests
{
    private static async Task AddAsync(StoreHarness harness, int count, TimeSpan lifetime)
    {
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (_, ct) =>
        {
            Assert.True(await harness.Store.TryAddAsync(harness.NewMailbox(lifetime), ct));
        });
    }

    private static async Task<int> PurgeCostAsync(int live, int expired)
    {
        var harness = new StoreHarness();
        await AddAsync(harness, expired, TimeSpan.FromMinutes(1));
        await AddAsync(harness, live, TimeSpan.FromDays(1));
        harness.Time.Advance(TimeSpan.FromMinutes(5));

        harness.Counter.Reset();
        var report = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), 1000, CancellationToken.None);
        var cost = harness.Counter.Count;

        Assert.Equal(expired, report.Purged);
        Assert.Equal(live, await harness.CountAsync(harness.MailboxTable));
        return cost;
    }

    [Fact]
    public async Task Purging_costs_the_same_among_100_or_5000_live_mailboxes()
    {
        var amongFew = await PurgeCostAsync(live: 100, expired: 100);
        var amongMany = await PurgeCostAsync(live: 5000, expired: 100);

        // Per expired mailbox: one read, one conditional delete, one index delete; plus the index query.
        Assert.InRange(amongFew, 300, 305);
        Assert.InRange(amongMany - amongFew, -2, 2);
    }

    [Fact]
    public async Task Expired_mailboxes_leave_no_trace_and_live_ones_are_untouched()
    {
        var harness = new StoreHarness();
        var live = harness.NewMailbox(TimeSpan.FromHours(1));
        var expired = harness.NewMailbox(TimeSpan.FromSeconds(30));
        Assert.True(await harness.Store.TryAddAsync(live, default));
        Assert.True(await harness.Store.TryAddAsync(expired, default));
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        var report = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), 100, default);

        Assert.Equal(1, report.Purged);
        Assert.Null(await harness.Store.GetAsync(expired.Id, default));
        Assert.NotNull(await harness.Store.GetAsync(live.Id, default));
        var index = new List<string>();
        await foreach (var entry in harness.ExpiryTable.QueryAsync<TableEntity>())
        {
            index.Add(entry.RowKey);
        }

        Assert.Equal([live.Id.ToString()], index); // the expired mailbox's index entry went too
    }

    [Fact]
    public async Task A_large_backlog_drains_over_bounded_runs_and_reports_what_remains()
    {
        var harness = new StoreHarness();
        await AddAsync(harness, 25, TimeSpan.FromSeconds(10));
        harness.Time.Advance(TimeSpan.FromMinutes(1));

        var first = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), 10, default);
        var second = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), 10, default);
        var third = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), 10, default);

        Assert.Equal((10, 15), (first.Purged, first.Remaining));
        Assert.Equal((10, 5), (second.Purged, second.Remaining));
        Assert.Equal((5, 0), (third.Purged, third.Remaining));
        Assert.Equal(0, await harness.CountAsync(harness.MailboxTable));
    }

    [Fact]
    public async Task Concurrent_purges_and_an_explicit_delete_never_fail_each_other()
    {
        var harness = new StoreHarness();
        var sender = DeviceClaim.New();
        var deletedByHand = harness.NewMailbox(TimeSpan.FromSeconds(10), sender);
        Assert.True(await harness.Store.TryAddAsync(deletedByHand, default));
        await AddAsync(harness, 40, TimeSpan.FromSeconds(10));
        Assert.True((await harness.Mailboxes.DeleteAsync(deletedByHand.Id, sender, default)).Status == 200);
        harness.Time.Advance(TimeSpan.FromMinutes(1));

        var reports = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), 100, default)));

        Assert.Equal(40, reports.Sum(r => r.Purged)); // each mailbox purged exactly once
        Assert.Equal(0, await harness.CountAsync(harness.MailboxTable));
        Assert.Equal(0, await harness.CountAsync(harness.ExpiryTable));
    }

    [Fact]
    public async Task An_identifier_reused_after_expiry_is_not_purged_by_its_old_index_entry()
    {
        var harness = new StoreHarness();
        var claim = DeviceClaim.New();
        var old = harness.NewMailbox(TimeSpan.FromSeconds(10), claim);
        Assert.True(await harness.Store.TryAddAsync(old, default));
        harness.Time.Advance(TimeSpan.FromMinutes(1));

        // The identifier is free again once expired: a new create takes it over.
        var create = new CreateMailboxRequest(old.Id, "{}", new SecurePayload("AES128", new byte[40]), null,
            AccessRights.Read, harness.Time.GetUtcNow().AddHours(1));
        Assert.Equal(200, (await harness.Mailboxes.CreateAsync(create, DeviceClaim.New(), null, default)).Status);

        var report = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), 100, default);

        Assert.Equal(0, report.Purged);
        Assert.NotNull(await harness.Store.GetAsync(old.Id, default));
    }
}
