using System.Diagnostics;
using System.Security.Cryptography;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScTransfer.Relay;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Bench;

/// <summary>What one purge measurement did: entities it changed, the storage requests it sent (as recorded), purge time.</summary>
internal sealed record PurgeMeasurement(int Tombstoned, int Deleted, int Skipped, int Runs, IReadOnlyList<StorageRequestRecord> Sent, TimeSpan Elapsed)
{
    public long Requests => Sent.Count;

    public long Queries => Sent.Count(r => r.IsQuery);

    /// <summary>Everything but the queries: its entity-group transactions (and any single operations of a split batch).</summary>
    public long Writes => Requests - Queries;

    /// <summary>Entity operations inside those writes: what counts toward the partitions' 2,000 entities/s.</summary>
    public long WrittenEntityOperations => Sent.Where(r => !r.IsQuery).Sum(r => (long)r.EntityOperations);

    public int Purged => Tombstoned + Deleted;
}

/// <summary>One purge run at one store size: what it did and sent, what Table storage must read for it by Azure's rules, and
/// what the filter the purge used before its index (<c>PartitionKey eq 'sNN' and PurgeAt le now</c>) would have read.</summary>
internal sealed record PurgeRunCost(string Run, PurgeMeasurement Measurement, long EntitiesRead, long OldFilterRead);

/// <summary>The purge runs at one number of stored not-due mailboxes, and how long seeding them took.</summary>
internal sealed record StoreSizeResult(int Stored, int Due, TimeSpan Seeding, IReadOnlyList<PurgeRunCost> Runs);

/// <summary>
/// The purge (docs/design.md, "Expiry and the purge"), measured with the relay's own store code
/// (<see cref="MailboxStore"/>, the code the timer function runs) against the same Azurite, with a clock moved forward
/// instead of waiting: what the purge removes per second of purge time, the storage requests and entity operations it
/// spends, and, at two store sizes, what Table storage must read to answer it.
/// </summary>
internal static class PurgeBench
{
    /// <summary>Mailboxes per entity-group transaction when seeding: each with its index row, 100 operations, the most one holds.</summary>
    public const int SeedMailboxesPerTransaction = 50;

    /// <summary>
    /// How long the bench's storage client waits per attempt. Azurite answers more slowly the more it stores (it tests
    /// every entity of the table for any query) and the busier the machine is (creates of 64 KiB payloads, 32 at a time,
    /// passed the relay's 3 s on a loaded machine): the purge is measured by what it does and sends, so it waits as long
    /// as Azurite needs. The relay's 3 s per attempt suits Azure, which reads only what is due.
    /// </summary>
    private static readonly TimeSpan AzuriteWait = TimeSpan.FromSeconds(100);

    /// <summary>The relay's defaults (StorageOptions.Shards, PurgeOptions.TombstoneRetention).</summary>
    private static readonly StorageOptions Defaults = new();

    private static readonly TimeSpan Retention = new PurgeOptions().TombstoneRetention;

    /// <summary>
    /// Removes the tombstones a relay's transfers left (every transfer of the bench ends in a delete): the one deferred
    /// operation per transfer. The clock is set past every tombstone's retention.
    /// </summary>
    public static Task<PurgeMeasurement> TombstonesAsync(BenchOptions options, string table) =>
        PurgeAsync(Store(options, table, AzuriteWait), DateTimeOffset.UtcNow.AddSeconds(Transfer.TimeToLiveSeconds) + Retention + TimeSpan.FromHours(1));

    /// <summary>
    /// Seeds <paramref name="expired"/> mailboxes that expire together and as many that stay live, through the relay's
    /// store, then purges at a time when only the first are due: the expired ones become tombstones (content gone).
    /// </summary>
    public static async Task<(PurgeMeasurement Expired, PurgeMeasurement Tombstones)> ExpiredAsync(BenchOptions options, int expired, byte[] payload)
    {
        var table = "benchpurge" + Guid.NewGuid().ToString("N")[..10];
        var relay = Store(options, table, AzuriteWait);
        await relay.Store.EnsureTableAsync(CancellationToken.None);
        try
        {
            var now = Transfer.WholeSecondUp(DateTimeOffset.UtcNow);

            // Every other one stays live through both purges (past the tombstones' retention too).
            await AddAsync(relay, 2 * expired, i => now + (i % 2 == 0 ? TimeSpan.FromMinutes(10) : Retention + TimeSpan.FromDays(30)), payload, null);

            var due = now + TimeSpan.FromHours(1); // the first half expired, the live half not yet
            var first = await PurgeAsync(relay, due);
            var second = await PurgeAsync(relay, due + TimeSpan.FromMinutes(10) + Retention);
            return (first, second);
        }
        finally
        {
            await relay.Service.DeleteTableAsync(table);
        }
    }

    /// <summary>
    /// The purge's cost against what is stored: for no stored not-due mailboxes and then for <see cref="BenchOptions.PurgeStore"/>
    /// of them, the same <paramref name="due"/> mailboxes made through the relay's store, then three purge runs (nothing
    /// due yet; the due ones expired, to tombstones; their tombstones' retention over, removed). For each run, the entities
    /// Table storage must read by Azure's rules (<see cref="AzureTableRules"/>), computed from the queries the purge sent and
    /// the partition sizes seeding left; goal: the same at both sizes.
    /// </summary>
    public static async Task<IReadOnlyList<StoreSizeResult>> StoreSizesAsync(BenchOptions options, int due, byte[] payload)
    {
        var results = new List<StoreSizeResult>();
        foreach (var stored in new[] { 0, options.PurgeStore }.Distinct())
        {
            results.Add(await StoreSizeAsync(options, stored, due, payload));
        }

        return results;
    }

    /// <summary>
    /// The size at rest of what a retired identifier keeps for <c>Purge:TombstoneRetention</c>: its tombstone and its index
    /// row, built with the relay's own mappings and sized by Azure's entity-size formula.
    /// </summary>
    public static (long Tombstone, long IndexRow) RetiredIdentifierBytes()
    {
        var id = Guid.NewGuid().ToString("D");
        var shard = MailboxShards.Name(Defaults.Shards - 1);
        var expiresAt = Transfer.WholeSecondUp(DateTimeOffset.UtcNow);
        return (AzureTableRules.BillableBytes(MailboxEntity.Tombstone(shard, id, expiresAt, expiresAt + Retention, Guid.NewGuid())),
                AzureTableRules.BillableBytes(DueIndex.Row(shard, expiresAt + Retention, id, DueIndex.Step.Remove, expiresAt)));
    }

    private static async Task<StoreSizeResult> StoreSizeAsync(BenchOptions options, int stored, int due, byte[] payload)
    {
        var table = "benchstore" + Guid.NewGuid().ToString("N")[..10];
        var relay = Store(options, table, AzuriteWait);
        await relay.Store.EnsureTableAsync(CancellationToken.None);
        try
        {
            var now = Transfer.WholeSecondUp(DateTimeOffset.UtcNow);
            var mailboxesPerShard = new long[relay.Shards.Count];
            var seeding = Stopwatch.StartNew();
            await SeedNotDueAsync(relay, stored, now + Retention + TimeSpan.FromDays(30), mailboxesPerShard);
            seeding.Stop();
            await AddAsync(relay, due, _ => now + TimeSpan.FromMinutes(10), payload, mailboxesPerShard);

            return new StoreSizeResult(stored, due, seeding.Elapsed,
            [
                await CostAsync(relay, "nothing due", now, mailboxesPerShard),
                await CostAsync(relay, "expired to tombstones", now + TimeSpan.FromHours(1), mailboxesPerShard),
                await CostAsync(relay, "tombstones removed", now + TimeSpan.FromHours(1) + Retention, mailboxesPerShard),
            ]);
        }
        finally
        {
            await relay.Service.DeleteTableAsync(table);
        }
    }

    /// <summary>
    /// A purge run, and what Table storage reads for it: each partition holds its mailboxes and as many index rows (a
    /// retire moves a row, it neither adds nor removes one), the whole table both. The old filter named PurgeAt, a non-key
    /// property, on the layout before the index (the mailboxes alone): every partition read whole, every run.
    /// </summary>
    private static async Task<PurgeRunCost> CostAsync(RelayStore relay, string run, DateTimeOffset now, long[] mailboxesPerShard)
    {
        // One run, however long Azurite takes: a run cut at the relay's budget (40 s) reads again, next run, the rest of the
        // page it was working on, and on Azurite a large store alone trips that budget (Azure answers the same range in
        // what it returns). The goal is what a run reads, not how Azurite paces it.
        var measurement = await PurgeAsync(relay, now, TimeSpan.FromHours(1));
        long Entities(string shard) => 2 * mailboxesPerShard[IndexOf(shard)];
        var read = measurement.Sent.Where(r => r.IsQuery)
            .Sum(r => AzureTableRules.EntitiesRead(r.Filter, r.Continuation, r.Returned, Entities, mailboxesPerShard.Sum() * 2));
        var oldFilterRead = relay.Shards.All.Sum(shard => AzureTableRules.EntitiesRead(
            $"PartitionKey eq '{shard}' and PurgeAt le datetime'{now.UtcDateTime:yyyy-MM-ddTHH:mm:ss.fffffffZ}'", false, 0,
            s => mailboxesPerShard[IndexOf(s)], mailboxesPerShard.Sum()));
        return new PurgeRunCost(run, measurement, read, oldFilterRead);

        static int IndexOf(string shard) => Convert.ToInt32(shard[1..], 16);
    }

    /// <summary>
    /// Not-due mailboxes written with the relay's own entity mappings (<see cref="MailboxEntity.Whole"/> and
    /// <see cref="DueIndex.Row"/>), <see cref="SeedMailboxesPerTransaction"/> of them with their index rows per entity-group
    /// transaction per shard. The relay writes each mailbox in a transaction of its own (<see cref="MailboxStore.TryAddAsync"/>),
    /// which would take hours for 500,000 on Azurite; the entities stored are the same. Small payloads, so that a large
    /// store fits in Azurite's memory: Azure's rules count entities, not bytes.
    /// </summary>
    private static async Task SeedNotDueAsync(RelayStore relay, int count, DateTimeOffset notBefore, long[] mailboxesPerShard)
    {
        var mailboxes = relay.Service.GetTableClient(relay.Table);
        await Parallel.ForEachAsync(
            NotDueTransactions(relay.Shards, count, notBefore, mailboxesPerShard),
            new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (transaction, ct) =>
            {
                try
                {
                    await mailboxes.SubmitTransactionAsync(transaction, ct);
                }
                catch (TableTransactionFailedException ex) when (ex.Status == 409 && ex.FailedTransactionActionIndex == 0)
                {
                    // The client's retry of a transaction that had landed (fresh random identifiers meet nothing else).
                }
            });
    }

    private static IEnumerable<TableTransactionAction[]> NotDueTransactions(MailboxShards shards, int count, DateTimeOffset notBefore, long[] mailboxesPerShard)
    {
        var payload = new byte[64];
        var pending = Enumerable.Range(0, shards.Count).Select(_ => new List<TableTransactionAction>()).ToArray();
        for (var i = 0; i < count; i++)
        {
            var id = new MailboxId(Guid.NewGuid());
            var index = shards.IndexOf(id);
            var shard = MailboxShards.Name(index);
            var expiresAt = notBefore + TimeSpan.FromSeconds(i % 86_400); // spread over a day, all after every purge run here
            pending[index].Add(new(TableTransactionActionType.Add, MailboxEntity.Whole(shard, NewMailbox(id, notBefore - TimeSpan.FromDays(1), expiresAt, payload))));
            pending[index].Add(DueIndex.Add(DueIndex.Row(shard, expiresAt, id.ToString(), DueIndex.Step.Retire, expiresAt)));
            mailboxesPerShard[index]++;
            if (pending[index].Count == 2 * SeedMailboxesPerTransaction)
            {
                yield return [.. pending[index]];
                pending[index].Clear();
            }
        }

        foreach (var rest in pending.Where(p => p.Count > 0))
        {
            yield return [.. rest];
        }
    }

    /// <summary>Mailboxes created as the relay creates them: <see cref="MailboxStore.TryAddAsync"/>, one transaction each.</summary>
    private static async Task AddAsync(RelayStore relay, int count, Func<int, DateTimeOffset> expiresAt, byte[] payload, long[]? mailboxesPerShard)
    {
        var now = DateTimeOffset.UtcNow;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
        {
            var mailbox = NewMailbox(new MailboxId(Guid.NewGuid()), now, expiresAt(i), payload);

            // A 409 met by the client's retry of its own transaction that had landed late is fine, as it is for the relay.
            if (!await relay.Store.TryAddAsync(mailbox, ct)
                && (await relay.Store.GetAsync(mailbox.Id, MailboxView.Access, ct))?.OperationId != mailbox.OperationId)
            {
                throw new InvalidOperationException("A seeded mailbox already existed.");
            }

            if (mailboxesPerShard is not null)
            {
                Interlocked.Increment(ref mailboxesPerShard[relay.Shards.IndexOf(mailbox.Id)]);
            }
        });
    }

    private static Mailbox NewMailbox(MailboxId id, DateTimeOffset createdAt, DateTimeOffset expiresAt, byte[] payload) => new()
    {
        Id = id,
        SenderClaimHash = new byte[32],
        AccessRights = AccessRights.Read | AccessRights.Write | AccessRights.Delete,
        CreatedAt = createdAt,
        ExpiresAt = expiresAt,
        DisplayInformationJson = Transfer.DisplayInformationJson,
        Payload = new SecurePayload("AES128", payload),
        OperationId = Guid.NewGuid(),
    };

    /// <summary>
    /// Runs the purge until a run reports it left nothing due (a run stops at its time budget, the relay's unless given),
    /// as the timer would.
    /// </summary>
    private static async Task<PurgeMeasurement> PurgeAsync(RelayStore relay, DateTimeOffset now, TimeSpan? budget = null)
    {
        var before = relay.Log.Records.Count;
        var (tombstoned, deleted, skipped, runs) = (0, 0, 0, 0);
        var clock = Stopwatch.StartNew();
        PurgeReport report;
        do
        {
            report = await relay.Store.PurgeExpiredAsync(now, budget ?? new PurgeOptions().TimeBudget, CancellationToken.None);
            (tombstoned, deleted, skipped, runs) = (tombstoned + report.Tombstoned, deleted + report.Deleted, skipped + report.Skipped, runs + 1);
        }
        while (!report.Complete && runs < 100);

        var elapsed = clock.Elapsed;
        return new PurgeMeasurement(tombstoned, deleted, skipped, runs, [.. relay.Log.Records.Skip(before)], elapsed);
    }

    /// <summary>The relay's store on its own table, with the relay's shard count and retention, and a log of what it sends.</summary>
    private sealed record RelayStore(MailboxStore Store, MailboxShards Shards, StorageRequestLog Log, TableServiceClient Service, string Table);

    private static RelayStore Store(BenchOptions options, string table, TimeSpan networkTimeout)
    {
        var log = new StorageRequestLog();
        var tableOptions = new TableClientOptions();
        tableOptions.Retry.MaxRetries = 2;
        tableOptions.Retry.Mode = RetryMode.Exponential;
        tableOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
        tableOptions.Retry.NetworkTimeout = networkTimeout;
        tableOptions.AddPolicy(log, HttpPipelinePosition.PerRetry);
        var service = new TableServiceClient(options.StorageConnectionString, tableOptions);
        var storage = new StorageOptions
        {
            MailboxTable = table,
            Shards = Defaults.Shards,
            ConnectionString = options.StorageConnectionString,
            MaxRetries = 2,
            NetworkTimeout = tableOptions.Retry.NetworkTimeout,
        };
        var shards = new MailboxShards(RandomNumberGenerator.GetBytes(32), storage.Shards);
        var store = new MailboxStore(service, shards, Options.Create(storage), Options.Create(new PurgeOptions()), NullLogger<MailboxStore>.Instance);
        return new RelayStore(store, shards, log, service, table);
    }
}
