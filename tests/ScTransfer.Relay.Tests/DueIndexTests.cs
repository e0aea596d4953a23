using System.Text.RegularExpressions;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// The purge's due-time index (docs/design.md, "The purge's index"): the purge asks storage only by key, and every path
/// that writes a mailbox writes its index row in the same transaction, so the two never disagree, whatever storage does
/// to the answers (late, frozen, lost races). <see cref="DueIndexAudit"/> reads the whole table after each step.
/// </summary>
[Trait(Needs.Trait, Needs.Azurite)]
public sealed partial class DueIndexTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Every_query_a_purge_run_sends_names_only_PartitionKey_and_RowKey()
    {
        var harness = new StoreHarness();
        var sender = DeviceClaim.New();
        await CreateAsync(harness, sender, TimeSpan.FromMinutes(1));
        var deleted = await CreateAsync(harness, sender, TimeSpan.FromDays(1));
        await CreateAsync(harness, sender, TimeSpan.FromDays(400)); // not due in either run
        Assert.Equal(200, (await harness.Mailboxes.DeleteAsync(deleted, sender, default)).Status);
        harness.Time.Advance(TimeSpan.FromMinutes(2));

        harness.Counter.Reset();
        var first = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        harness.Time.Advance(harness.Purge.TombstoneRetention + TimeSpan.FromDays(1));
        var second = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);

        Assert.Equal((1, 0), (first.Tombstoned, first.Deleted));
        Assert.Equal((0, 2), (second.Tombstoned, second.Deleted));
        var queries = harness.Counter.Requests.Where(r => r.StartsWith("GET ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2 * harness.Storage.Shards, queries.Count); // one range query per shard and run, no point reads
        Assert.All(queries, query =>
        {
            var filter = query[(query.IndexOf("$filter=", StringComparison.Ordinal) + "$filter=".Length)..].Split('&')[0];
            Assert.Equal(["PartitionKey", "RowKey"], PropertiesNamed(filter));
        });
        Assert.All(harness.Counter.Requests.Where(r => !r.StartsWith("GET ", StringComparison.Ordinal)),
            request => Assert.Matches("^POST .*/\\$batch$", request)); // the rest are entity-group transactions
        await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);
    }

    [Fact]
    public async Task A_run_costs_the_same_requests_whether_the_store_holds_10_or_2000_mailboxes_that_are_not_due()
    {
        var few = await RunCostAsync(notDue: 10);
        var many = await RunCostAsync(notDue: 2000);

        Assert.Equal(few, many);
    }

    [Fact]
    public async Task Create_delete_expiry_and_removal_each_keep_the_mailbox_and_its_index_row_together()
    {
        var harness = new StoreHarness();
        var sender = DeviceClaim.New();
        var expiring = await CreateAsync(harness, sender, TimeSpan.FromMinutes(1));
        var deleted = await CreateAsync(harness, sender, TimeSpan.FromMinutes(1));
        var live = await CreateAsync(harness, sender, harness.Purge.TombstoneRetention * 2);
        var created = await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);
        Assert.Equal(200, (await harness.Mailboxes.DeleteAsync(deleted, sender, default)).Status);
        var afterDelete = await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);

        harness.Time.Advance(TimeSpan.FromMinutes(2));
        var expiry = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        var afterExpiry = await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);
        harness.Time.Advance(harness.Purge.TombstoneRetention - TimeSpan.FromMinutes(1) - TimeSpan.FromSeconds(1));
        var early = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        harness.Time.Advance(TimeSpan.FromSeconds(1));
        var removal = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        var afterRemoval = await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);

        Assert.Equal((3, 0, 3), (created.Mailboxes, created.Tombstones, created.IndexRows));
        Assert.Equal((3, 1, 3), (afterDelete.Mailboxes, afterDelete.Tombstones, afterDelete.IndexRows));
        Assert.Equal((1, 0), (expiry.Tombstoned, expiry.Deleted)); // the deleted one already waits for its retention
        Assert.Equal((3, 2, 3), (afterExpiry.Mailboxes, afterExpiry.Tombstones, afterExpiry.IndexRows));
        Assert.Equal((0, 0), (early.Tombstoned, early.Deleted)); // not a second early
        Assert.Equal((0, 2), (removal.Tombstoned, removal.Deleted));
        Assert.Equal((1, 0, 1), (afterRemoval.Mailboxes, afterRemoval.Tombstones, afterRemoval.IndexRows));
        Assert.False((await harness.Store.GetAsync(live, MailboxView.Access, default))!.IsTombstone);
        Assert.Null(await harness.Store.GetAsync(expiring, MailboxView.Access, default));
    }

    [Fact]
    public async Task Writes_whose_answers_come_late_and_races_lost_never_part_a_mailbox_from_its_index_row()
    {
        await using var proxy = StorageFaultProxy.Start();
        var harness = new StoreHarness(proxy.ConnectionString, networkTimeout: TimeSpan.FromSeconds(2));
        var sender = DeviceClaim.New();
        static bool IsTransaction(string method, string path) => method == "POST" && path.EndsWith("/$batch", StringComparison.Ordinal);

        // A create and a delete whose transactions storage applied but answered after the client's timeout: its retry
        // meets the write (409, 412) and the relay knows it as its own.
        proxy.HoldNextAnswer(IsTransaction, TimeSpan.FromSeconds(4));
        var late = await CreateAsync(harness, sender, TimeSpan.FromMinutes(1));
        proxy.HoldNextAnswer(IsTransaction, TimeSpan.FromSeconds(4));
        Assert.Equal(200, (await harness.Mailboxes.DeleteAsync(late, sender, default)).Status);
        Assert.Equal(2, proxy.Held.Count);
        await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);

        // Racing deletes of one mailbox, and a delete racing the purge at the expiry: one write wins each race.
        var raced = await CreateAsync(harness, sender, TimeSpan.FromMinutes(1));
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => harness.Mailboxes.DeleteAsync(raced, sender, default))).DefaultTimeout();
        Assert.Single(outcomes, o => o.Status == 200);
        var againstPurge = await CreateAsync(harness, sender, TimeSpan.FromMinutes(1));
        await CreateAsync(harness, sender, TimeSpan.FromMinutes(1));
        harness.Time.Advance(TimeSpan.FromSeconds(59));
        var delete = harness.Mailboxes.DeleteAsync(againstPurge, sender, default);
        harness.Time.Advance(TimeSpan.FromSeconds(2));
        await Task.WhenAll(delete, harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default)).DefaultTimeout();
        await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);

        // A purge transaction answered late: the client's retry finds its index rows gone and fails, but the first landed.
        proxy.HoldNextAnswer(IsTransaction, TimeSpan.FromSeconds(4));
        harness.Time.Advance(harness.Purge.TombstoneRetention);
        await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        var next = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        Assert.Equal(3, proxy.Held.Count);
        Assert.Equal((0, 0), (next.Tombstoned, next.Deleted)); // nothing due is left behind
        var stored = await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable);
        Assert.Equal((0, 0), (stored.Mailboxes, stored.IndexRows));
    }

    [Fact]
    public async Task Storage_frozen_and_thawed_under_creates_deletes_and_purges_leaves_every_mailbox_with_its_row()
    {
        await using var proxy = StorageFaultProxy.Start();
        var harness = new StoreHarness(proxy.ConnectionString, networkTimeout: TimeSpan.FromSeconds(1));
        var sender = DeviceClaim.New();
        var existing = new List<MailboxId>();
        for (var i = 0; i < 10; i++)
        {
            existing.Add(await CreateAsync(harness, sender, TimeSpan.FromSeconds(30 + i)));
        }

        harness.Time.Advance(TimeSpan.FromSeconds(35));
        proxy.Freeze();
        var work = new List<Task>();
        work.AddRange(Enumerable.Range(0, 10).Select(_ => harness.Mailboxes.CreateAsync(
            new CreateMailboxRequest(MailboxId.New(), """{"title":"Key"}""", new SecurePayload("AES256", new byte[64]), null,
                AccessRights.Read | AccessRights.Delete, harness.Time.GetUtcNow().AddMinutes(5)), sender, null, default)));
        work.AddRange(existing.Skip(5).Select(id => harness.Mailboxes.DeleteAsync(id, sender, default)));
        work.Add(harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default));
        await Assert.ThrowsAnyAsync<Exception>(() => Task.WhenAll(work)).DefaultTimeout(); // storage is unavailable: 503s

        proxy.Thaw(); // what was held now reaches storage, after its client gave up on it
        await Timeouts.WaitUntilAsync(() => proxy.InFlight == 0, detail: () => $"{proxy.InFlight} requests still in flight");
        var stored = await DueIndexAudit.AssertConsistentAsync(harness.MailboxTable).DefaultTimeout();
        Assert.InRange(stored.Mailboxes, 10, 20);
    }

    /// <summary>Requests one purge run makes with one due mailbox among <paramref name="notDue"/> that are not.</summary>
    private static async Task<int> RunCostAsync(int notDue)
    {
        var harness = new StoreHarness();
        var sender = DeviceClaim.New();
        await CreateAsync(harness, sender, TimeSpan.FromMinutes(1));
        await Parallel.ForEachAsync(Enumerable.Range(0, notDue), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (_, _) => await CreateAsync(harness, DeviceClaim.New(), TimeSpan.FromDays(2)));
        harness.Time.Advance(TimeSpan.FromMinutes(2));
        harness.Counter.Reset();
        var report = await harness.Store.PurgeExpiredAsync(harness.Time.GetUtcNow(), Budget, default);
        Assert.Equal(1, report.Tombstoned);
        var cost = harness.Counter.Count;
        await harness.MailboxTable.DeleteAsync();
        return cost;
    }

    private static async Task<MailboxId> CreateAsync(StoreHarness harness, DeviceClaim sender, TimeSpan lifetime)
    {
        var request = new CreateMailboxRequest(MailboxId.New(), """{"title":"Key"}""", new SecurePayload("AES256", new byte[64]), null,
            AccessRights.Read | AccessRights.Delete, harness.Time.GetUtcNow() + lifetime);
        var outcome = await harness.Mailboxes.CreateAsync(request, sender, null, default);
        Assert.Equal(200, outcome.Status);
        return outcome.Value;
    }

    /// <summary>The property names an OData filter compares (the words before eq, ne, gt, ge, lt, le), sorted, once each.</summary>
    private static string[] PropertiesNamed(string filter) =>
        [.. Comparison().Matches(filter).Select(m => m.Groups["property"].Value).Distinct().Order(StringComparer.Ordinal)];

    [GeneratedRegex(@"(?<property>[A-Za-z_][A-Za-z0-9_]*)\s+(eq|ne|gt|ge|lt|le)\s")]
    private static partial Regex Comparison();
}
