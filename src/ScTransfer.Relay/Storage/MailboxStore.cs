using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Mailboxes in Azure Table storage. One entity per mailbox (PartitionKey = mailbox id, so load spreads over
/// partitions), holding everything a request needs: create is one insert (plus its expiry-index entry), a read is
/// one point read, a bind, update or delete one conditional write on the ETag that read returned.
/// The expiry index lives in its own table, partitioned by 10-second expiry bucket (and 16 shards within each), so the
/// purge reads only buckets that have passed and never scans live mailboxes.
/// </summary>
public sealed class MailboxStore(TableServiceClient service, IOptions<StorageOptions> options, ILogger<MailboxStore> logger)
    : IMailboxStore
{
    /// <summary>Binary properties hold at most 64 KiB each: larger payloads are split across Payload0..PayloadN.</summary>
    internal const int ChunkSize = 64 * 1024;

    /// <summary>The purge counts what is left after a run up to this many entries.</summary>
    public const int RemainingCountLimit = 1000;

    private const string RowKey = "";
    private const int BucketSeconds = 10;
    private const int IndexShards = 16;

    private readonly TableClient _mailboxes = service.GetTableClient(options.Value.MailboxTable);
    private readonly TableClient _expiry = service.GetTableClient(options.Value.ExpiryTable);

    /// <summary>Creates the tables if they are missing (start-up).</summary>
    public async Task EnsureTablesAsync(CancellationToken cancellationToken)
    {
        await Guard(() => _mailboxes.CreateIfNotExistsAsync(cancellationToken), cancellationToken);
        await Guard(() => _expiry.CreateIfNotExistsAsync(cancellationToken), cancellationToken);
    }

    public async Task<Mailbox?> GetAsync(MailboxId id, CancellationToken cancellationToken)
    {
        var response = await Guard(
            () => _mailboxes.GetEntityIfExistsAsync<TableEntity>(id.ToString(), RowKey, cancellationToken: cancellationToken),
            cancellationToken);
        return response.HasValue ? MailboxEntity.ToMailbox(id, response.Value!) : null;
    }

    public async Task<bool> TryAddAsync(Mailbox mailbox, CancellationToken cancellationToken)
    {
        // The index entry goes first: a mailbox must never exist without one, or the purge would miss it.
        // An entry whose insert below loses to an existing mailbox is harmless: the purge clears it.
        var index = new TableEntity(IndexPartition(mailbox.ExpiresAt, mailbox.Id), mailbox.Id.ToString());
        await Guard(() => _expiry.UpsertEntityAsync(index, TableUpdateMode.Replace, cancellationToken), cancellationToken);
        try
        {
            var response = await Guard(
                () => _mailboxes.AddEntityAsync(MailboxEntity.FromMailbox(mailbox), cancellationToken), cancellationToken);
            mailbox.Version = response.Headers.ETag?.ToString();
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public Task<WriteOutcome> TryReplaceAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
        ConditionalAsync(mailbox, ct => _mailboxes.UpdateEntityAsync(
            MailboxEntity.FromMailbox(mailbox), new ETag(mailbox.Version!), TableUpdateMode.Replace, ct), cancellationToken);

    public Task<WriteOutcome> TryBindReceiverAsync(Mailbox mailbox, CancellationToken cancellationToken)
    {
        // A merge of one property: the bind does not send the payload back over the wire.
        var patch = new TableEntity(mailbox.Id.ToString(), RowKey)
        {
            [MailboxEntity.ReceiverClaimHash] = mailbox.ReceiverClaimHash,
        };
        return ConditionalAsync(mailbox, ct => _mailboxes.UpdateEntityAsync(
            patch, new ETag(mailbox.Version!), TableUpdateMode.Merge, ct), cancellationToken);
    }

    public async Task<WriteOutcome> TryDeleteAsync(Mailbox mailbox, CancellationToken cancellationToken)
    {
        try
        {
            // DeleteEntity answers a missing entity with a 404 response rather than an exception.
            var response = await Guard(() => _mailboxes.DeleteEntityAsync(
                mailbox.Id.ToString(), RowKey, new ETag(mailbox.Version!), cancellationToken), cancellationToken);
            return response.Status == 404 ? WriteOutcome.Gone : WriteOutcome.Written;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return ex.Status == 404 ? WriteOutcome.Gone : WriteOutcome.Conflict;
        }
    }

    public async Task<PurgeReport> PurgeExpiredAsync(DateTimeOffset now, int maxEntries, CancellationToken cancellationToken)
    {
        // Buckets strictly before the current one have wholly passed; a range on PartitionKey touches only them.
        var filter = TableClient.CreateQueryFilter($"PartitionKey lt {Bucket(now)}");
        var entries = new List<TableEntity>(Math.Min(maxEntries, 1000));
        await Guard(async () =>
        {
            await foreach (var entry in _expiry.QueryAsync<TableEntity>(
                filter, maxPerPage: Math.Min(maxEntries, 1000), select: ["PartitionKey", "RowKey"], cancellationToken: cancellationToken))
            {
                entries.Add(entry);
                if (entries.Count >= maxEntries)
                {
                    break;
                }
            }

            return entries;
        }, cancellationToken);

        var purged = 0;
        var cleared = 0;
        await Parallel.ForEachAsync(
            entries,
            new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (entry, ct) =>
            {
                var (deleted, clearedEntry) = await PurgeOneAsync(entry, now, ct);
                if (deleted)
                {
                    Interlocked.Increment(ref purged);
                }

                if (clearedEntry)
                {
                    Interlocked.Increment(ref cleared);
                }
            });

        var remaining = 0;
        if (entries.Count >= maxEntries)
        {
            await Guard(async () =>
            {
                await foreach (var page in _expiry.QueryAsync<TableEntity>(
                    filter, maxPerPage: RemainingCountLimit, select: ["RowKey"], cancellationToken: cancellationToken).AsPages())
                {
                    remaining = page.Values.Count;
                    break;
                }

                return remaining;
            }, cancellationToken);
        }

        return new PurgeReport(purged, cleared, remaining);
    }

    /// <summary>
    /// Purges one index entry's mailbox. Safe against a concurrent request or purge: the delete is conditional on
    /// the ETag just read, a mailbox already gone is fine, and a mailbox that is live again (its id re-created after
    /// expiry) keeps its own, later index entry: only this stale entry goes.
    /// </summary>
    private async Task<(bool Deleted, bool Cleared)> PurgeOneAsync(TableEntity entry, DateTimeOffset now, CancellationToken ct)
    {
        var id = entry.RowKey;
        var response = await Guard(() => _mailboxes.GetEntityIfExistsAsync<TableEntity>(id, RowKey, select: [MailboxEntity.ExpiresAt], cancellationToken: ct), ct);
        var deleted = false;
        if (response.HasValue)
        {
            var mailbox = response.Value!;
            var expiresAt = mailbox.GetDateTimeOffset(MailboxEntity.ExpiresAt);
            if (expiresAt is { } expiry && expiry <= now)
            {
                try
                {
                    var deletion = await Guard(() => _mailboxes.DeleteEntityAsync(id, RowKey, mailbox.ETag, ct), ct);
                    deleted = deletion.Status != 404; // already gone: another purge or an explicit delete won
                }
                catch (RequestFailedException ex) when (ex.Status == 412)
                {
                    return (false, false); // changed under us: keep the entry, the next run decides again
                }
            }
        }

        // A 404 here means another purge instance cleared it first: fine.
        await Guard(() => _expiry.DeleteEntityAsync(entry.PartitionKey, entry.RowKey, ETag.All, ct), ct);
        return (deleted, true);
    }

    private async Task<WriteOutcome> ConditionalAsync(Mailbox mailbox, Func<CancellationToken, Task<Response>> write, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Guard(() => write(cancellationToken), cancellationToken);
            mailbox.Version = response.Headers.ETag?.ToString();
            return WriteOutcome.Written;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return ex.Status == 404 ? WriteOutcome.Gone : WriteOutcome.Conflict;
        }
    }

    internal static string Bucket(DateTimeOffset time)
    {
        var seconds = time.ToUnixTimeSeconds();
        return (seconds - (seconds % BucketSeconds)).ToString("D12", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The index partition of a mailbox: its expiry bucket, split into <see cref="IndexShards"/> sub-partitions by the
    /// mailbox id so that creates with the same lifetime do not all land on one partition (2,000 entities/s each).
    /// "{bucket}-{shard}" still sorts before the next bucket, so the purge's one range query covers every shard.
    /// </summary>
    internal static string IndexPartition(DateTimeOffset expiresAt, MailboxId id) =>
        Bucket(expiresAt) + "-" + (id.Value.GetHashCode() & (IndexShards - 1)).ToString("x2", CultureInfo.InvariantCulture);

    /// <summary>
    /// Turns an outage or throttling (network failure, timeout, 408/429/5xx after the client's retries) into
    /// <see cref="StorageUnavailableException"/>; answers the protocol cares about (404, 409, 412) pass through.
    /// </summary>
    private async Task<T> Guard<T>(Func<Task<T>> operation, CancellationToken cancellationToken)
    {
        try
        {
            try
            {
                return await operation();
            }
            catch (RequestFailedException ex) when (ex.ErrorCode == Azure.Data.Tables.Models.TableErrorCode.TableNotFound.ToString())
            {
                // The tables vanished under a running relay (storage restarted without its data, a table deleted by
                // hand): create them again and retry once, rather than fail every write until the relay restarts.
                logger.LogWarning("A mailbox table is missing; creating the tables again.");
                await _mailboxes.CreateIfNotExistsAsync(cancellationToken);
                await _expiry.CreateIfNotExistsAsync(cancellationToken);
                return await operation();
            }
        }
        catch (RequestFailedException ex) when (ex.Status is 0 or 408 or 429 or >= 500)
        {
            throw Unavailable(ex);
        }
        catch (AggregateException ex)
        {
            throw Unavailable(ex);
        }
        catch (HttpRequestException ex)
        {
            throw Unavailable(ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(ex); // the client's network timeout, not the caller's cancellation
        }
    }

    private StorageUnavailableException Unavailable(Exception ex)
    {
        logger.LogWarning("Table storage unavailable: {ErrorType} {Status}", ex.GetType().Name, (ex as RequestFailedException)?.Status);
        return new StorageUnavailableException("Table storage is unavailable; retry later.", ex);
    }
}
