using System.Diagnostics;
using Azure.Core;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using ScTransfer.Relay;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Bench;

/// <summary>What one purge measurement did: entities it changed, storage requests (queries vs writes), purge time.</summary>
internal sealed record PurgeMeasurement(int Tombstoned, int Deleted, int Skipped, int Runs, long Queries, long Writes, TimeSpan Elapsed)
{
    public long Requests => Queries + Writes;

    public int Purged => Tombstoned + Deleted;
}

/// <summary>
/// The purge (docs/design.md, "Expiry and the purge"), measured with the relay's own store code
/// (<see cref="MailboxStore"/>, the code the timer function runs) against the same Azurite, with a clock moved forward
/// instead of waiting: what the purge removes per second of purge time, and how many storage requests it spends per
/// purged mailbox.
/// </summary>
internal static class PurgeBench
{
    /// <summary>The relay's defaults (StorageOptions.Shards, PurgeOptions.TombstoneRetention).</summary>
    private static readonly StorageOptions Defaults = new();

    private static readonly TimeSpan Retention = new PurgeOptions().TombstoneRetention;

    /// <summary>
    /// Removes the tombstones a relay's transfers left (every transfer of the bench ends in a delete): the one deferred
    /// operation per transfer. The clock is set past every tombstone's retention.
    /// </summary>
    public static Task<PurgeMeasurement> TombstonesAsync(BenchOptions options, string table) =>
        PurgeAsync(options, table, DateTimeOffset.UtcNow.AddSeconds(Transfer.TimeToLiveSeconds) + Retention + TimeSpan.FromHours(1));

    /// <summary>
    /// Seeds <paramref name="expired"/> mailboxes that expire together and as many that stay live, through the relay's
    /// store, then purges at a time when only the first are due: the expired ones become tombstones (content gone).
    /// </summary>
    public static async Task<(PurgeMeasurement Expired, PurgeMeasurement Tombstones)> ExpiredAsync(BenchOptions options, int expired, byte[] payload)
    {
        var table = "benchpurge" + Guid.NewGuid().ToString("N")[..10];
        var (store, counter, service) = Store(options, table);
        await store.EnsureTableAsync(CancellationToken.None);
        try
        {
            var now = DateTimeOffset.UtcNow;
            await Parallel.ForEachAsync(Enumerable.Range(0, 2 * expired), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            {
                // Every other one stays live through both purges (past the tombstones' retention too).
                var ttl = i % 2 == 0 ? TimeSpan.FromMinutes(10) : Retention + TimeSpan.FromDays(30);
                var mailbox = new Mailbox
                {
                    Id = new MailboxId(Guid.NewGuid()),
                    SenderClaimHash = new byte[32],
                    AccessRights = AccessRights.Read | AccessRights.Write | AccessRights.Delete,
                    CreatedAt = now,
                    ExpiresAt = now + ttl,
                    DisplayInformationJson = Transfer.DisplayInformationJson,
                    Payload = new SecurePayload("AES128", payload),
                    OperationId = Guid.NewGuid(),
                };
                if (!await store.TryAddAsync(mailbox, ct))
                {
                    throw new InvalidOperationException("A seeded mailbox already existed.");
                }
            });

            var due = now + TimeSpan.FromHours(1); // the first half expired, the live half not yet
            var first = await PurgeAsync(store, counter, due);
            var second = await PurgeAsync(store, counter, due + TimeSpan.FromMinutes(10) + Retention);
            return (first, second);
        }
        finally
        {
            await service.DeleteTableAsync(table);
        }
    }

    private static async Task<PurgeMeasurement> PurgeAsync(BenchOptions options, string table, DateTimeOffset now)
    {
        var (store, counter, _) = Store(options, table);
        return await PurgeAsync(store, counter, now);
    }

    /// <summary>Runs the purge until a run reports it left nothing due (a run stops at its time budget), as the timer would.</summary>
    private static async Task<PurgeMeasurement> PurgeAsync(MailboxStore store, StorageRequestCounter counter, DateTimeOffset now)
    {
        var (requests, queries) = (counter.Requests, counter.NonPointRequests);
        var (tombstoned, deleted, skipped, runs) = (0, 0, 0, 0);
        var clock = Stopwatch.StartNew();
        PurgeReport report;
        do
        {
            report = await store.PurgeExpiredAsync(now, new PurgeOptions().TimeBudget, CancellationToken.None);
            (tombstoned, deleted, skipped, runs) = (tombstoned + report.Tombstoned, deleted + report.Deleted, skipped + report.Skipped, runs + 1);
        }
        while (!report.Complete && runs < 100);

        var elapsed = clock.Elapsed;
        var madeQueries = counter.NonPointRequests - queries;
        return new PurgeMeasurement(tombstoned, deleted, skipped, runs, madeQueries, counter.Requests - requests - madeQueries, elapsed);
    }

    private static (MailboxStore Store, StorageRequestCounter Counter, TableServiceClient Service) Store(BenchOptions options, string table)
    {
        var counter = new StorageRequestCounter();
        var tableOptions = new TableClientOptions();
        tableOptions.Retry.MaxRetries = 2;
        tableOptions.Retry.Mode = RetryMode.Exponential;
        tableOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
        tableOptions.Retry.NetworkTimeout = options.StorageNetworkTimeout;
        tableOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
        var service = new TableServiceClient(options.StorageConnectionString, tableOptions);
        var storage = new StorageOptions
        {
            MailboxTable = table,
            Shards = Defaults.Shards,
            ConnectionString = options.StorageConnectionString,
            MaxRetries = 2,
            NetworkTimeout = options.StorageNetworkTimeout,
        };
        var store = new MailboxStore(
            service,
            new MailboxShards(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), storage.Shards),
            Options.Create(storage),
            Options.Create(new PurgeOptions()),
            NullLogger<MailboxStore>.Instance);
        return (store, counter, service);
    }
}
