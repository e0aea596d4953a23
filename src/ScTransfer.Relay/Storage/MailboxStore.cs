using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Mailboxes in Azure Table storage through Azure.Data.Tables: one table, one entity per mailbox, PartitionKey = a shard
/// ("s00".."sNN") from a stable hash of the mailbox id, RowKey = the id. Every request is a point operation: create is
/// one insert, a read one point read of the properties its decision needs (<see cref="MailboxView"/>), a bind, update,
/// relinquish or delete (to a tombstone) one conditional write on the ETag that read returned. Every entity carries
/// <c>PurgeAt</c>, so the purge finds what is due with one filter inside each shard's partition, never scanning live
/// mailboxes and with no index to keep.
/// </summary>
internal sealed partial class MailboxStore(
    TableServiceClient service, MailboxShards shards, IOptions<StorageOptions> options, IOptions<PurgeOptions> purgeOptions, ILogger<MailboxStore> logger)
    : IMailboxStore
{
    /// <summary>An entity-group transaction holds at most 100 operations.</summary>
    private const int TransactionSize = 100;

    /// <summary>Shards the purge works on at once.</summary>
    private const int PurgeParallelism = 8;

    /// <summary>One client per table for the process (the SDK's clients are thread-safe and share one pipeline).</summary>
    private readonly TableClient _mailboxes = service.GetTableClient(options.Value.MailboxTable);
    private readonly TimeSpan _tombstoneRetention = purgeOptions.Value.TombstoneRetention;
    private readonly OutageLog _outages = new();

    /// <summary>Creates the table if it is missing (start-up).</summary>
    public async Task EnsureTablesAsync(CancellationToken cancellationToken) =>
        await Guard(() => _mailboxes.CreateIfNotExistsAsync(cancellationToken), cancellationToken);

    public async Task<Mailbox?> GetAsync(MailboxId id, MailboxView view, CancellationToken cancellationToken)
    {
        var read = await Guard(
            () => _mailboxes.GetEntityIfExistsAsync<TableEntity>(Shard(id), id.ToString(), MailboxEntity.Selection(view), cancellationToken),
            cancellationToken);
        return read.HasValue ? MailboxEntity.Read(id, read.Value!, view) : null;
    }

    public async Task<bool> TryAddAsync(Mailbox mailbox, CancellationToken cancellationToken)
    {
        var entity = MailboxEntity.Whole(Shard(mailbox.Id), mailbox);
        try
        {
            var response = await Guard(() => _mailboxes.AddEntityAsync(entity, cancellationToken), cancellationToken);
            mailbox.Version = response.Headers.ETag?.ToString();
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public Task<WriteOutcome> TryReplaceAsync(Mailbox mailbox, CancellationToken cancellationToken)
    {
        if (mailbox.View is not (MailboxView.Full or MailboxView.WithoutPayload) || mailbox.Payload is null)
        {
            throw new InvalidOperationException("A replace writes the whole mailbox: read it with MailboxView.Full or WithoutPayload, and give it a payload.");
        }

        return ConditionalAsync(mailbox, MailboxEntity.Whole(Shard(mailbox.Id), mailbox), TableUpdateMode.Replace, cancellationToken);
    }

    // A merge of the receiver's properties: a bind or a relinquish never sends the payload back over the wire.
    public Task<WriteOutcome> TryWriteReceiverAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
        ConditionalAsync(mailbox, MailboxEntity.ReceiverPart(Shard(mailbox.Id), mailbox), TableUpdateMode.Merge, cancellationToken);

    public Task<WriteOutcome> TryTombstoneAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
        ConditionalAsync(
            mailbox,
            MailboxEntity.Tombstone(Shard(mailbox.Id), mailbox.Id.ToString(), mailbox.ExpiresAt, mailbox.ExpiresAt + _tombstoneRetention, mailbox.OperationId),
            TableUpdateMode.Replace,
            cancellationToken);

    public async Task<PurgeReport> PurgeExpiredAsync(DateTimeOffset now, TimeSpan budget, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var tombstoned = 0;
        var deleted = 0;
        var skipped = 0;
        var complete = true;
        await Parallel.ForEachAsync(
            shards.All,
            new ParallelOptions { MaxDegreeOfParallelism = PurgeParallelism, CancellationToken = cancellationToken },
            async (shard, ct) =>
            {
                // One filter inside one partition; the selection leaves the payload on the server.
                var filter = TableClient.CreateQueryFilter($"PartitionKey eq {shard} and PurgeAt le {now}");
                string? continuation = null;
                do
                {
                    if (clock.Elapsed >= budget)
                    {
                        complete = false;
                        return;
                    }

                    var page = await Guard(() => FirstPageAsync(filter, continuation, ct), ct);
                    if (page is null)
                    {
                        return;
                    }

                    foreach (var chunk in page.Values.Chunk(TransactionSize))
                    {
                        if (clock.Elapsed >= budget)
                        {
                            complete = false;
                            return;
                        }

                        var (t, d, s) = await PurgeChunkAsync(shard, chunk, ct);
                        Interlocked.Add(ref tombstoned, t);
                        Interlocked.Add(ref deleted, d);
                        Interlocked.Add(ref skipped, s);
                    }

                    continuation = page.ContinuationToken;
                }
                while (continuation is not null);
            });

        return new PurgeReport(tombstoned, deleted, skipped, complete);
    }

    private async Task<Page<TableEntity>?> FirstPageAsync(string filter, string? continuation, CancellationToken ct)
    {
        await foreach (var page in _mailboxes.QueryAsync<TableEntity>(
            filter, maxPerPage: 1000, select: MailboxEntity.PurgeSelection, cancellationToken: ct).AsPages(continuation, 1000))
        {
            return page;
        }

        return null;
    }

    /// <summary>
    /// One entity-group transaction for up to 100 due entities of one shard: an expired mailbox becomes a tombstone
    /// (its identifier stays refused until the retention ends), a due tombstone goes. Each action is conditional on
    /// the ETag the query returned; one 412 or 404 fails the whole batch, so then each goes on its own and the ones
    /// that changed meanwhile are left for the next run.
    /// </summary>
    private async Task<(int Tombstoned, int Deleted, int Skipped)> PurgeChunkAsync(string shard, TableEntity[] due, CancellationToken ct)
    {
        var actions = due.Select(entity => MailboxEntity.IsTombstone(entity)
            ? new TableTransactionAction(TableTransactionActionType.Delete, entity, entity.ETag)
            : new TableTransactionAction(TableTransactionActionType.UpdateReplace, TombstoneFor(shard, entity), entity.ETag)).ToList();
        var deletes = actions.Count(a => a.ActionType == TableTransactionActionType.Delete);
        try
        {
            await Guard(() => _mailboxes.SubmitTransactionAsync(actions, ct), ct);
            return (actions.Count - deletes, deletes, 0);
        }
        catch (TableTransactionFailedException)
        {
        }

        var (tombstoned, deleted, skipped) = (0, 0, 0);
        foreach (var action in actions)
        {
            try
            {
                if (action.ActionType == TableTransactionActionType.Delete)
                {
                    var response = await Guard(() => _mailboxes.DeleteEntityAsync(shard, action.Entity.RowKey, action.ETag, ct), ct);
                    _ = response.Status == 404 ? skipped++ : deleted++;
                }
                else
                {
                    await Guard(() => _mailboxes.UpdateEntityAsync(action.Entity, action.ETag, TableUpdateMode.Replace, ct), ct);
                    tombstoned++;
                }
            }
            catch (RequestFailedException ex) when (ex.Status is 404 or 412)
            {
                skipped++; // changed or gone since the query: the next run decides again
            }
        }

        return (tombstoned, deleted, skipped);
    }

    private TableEntity TombstoneFor(string shard, TableEntity expired)
    {
        var expiresAt = expired.GetDateTimeOffset(MailboxEntity.ExpiresAt)!.Value;
        return MailboxEntity.Tombstone(shard, expired.RowKey, expiresAt, expiresAt + _tombstoneRetention, Guid.NewGuid());
    }

    private async Task<WriteOutcome> ConditionalAsync(Mailbox mailbox, TableEntity entity, TableUpdateMode mode, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Guard(() => _mailboxes.UpdateEntityAsync(entity, new ETag(mailbox.Version!), mode, cancellationToken), cancellationToken);
            mailbox.Version = response.Headers.ETag?.ToString();
            return WriteOutcome.Written;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return ex.Status == 404 ? WriteOutcome.Gone : WriteOutcome.Conflict;
        }
    }

    internal string Shard(MailboxId id) => shards.Of(id);

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
                // The table vanished under a running relay (storage restarted without its data, a table deleted by
                // hand): create it again and retry once, rather than fail every write until the relay restarts.
                LogTableMissing(logger);
                await _mailboxes.CreateIfNotExistsAsync(cancellationToken);
                return await operation();
            }
        }
        catch (Exception ex) when (StorageOutage.Is(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }
    }

    private StorageUnavailableException Unavailable(Exception ex)
    {
        if (_outages.ShouldLog(ex, out var failures))
        {
            LogUnavailable(logger, ex.GetType().Name, (ex as RequestFailedException)?.Status, failures);
        }

        return new StorageUnavailableException("Table storage is unavailable; retry later.", ex);
    }

    [LoggerMessage(EventId = EventIds.TableMissing, Level = LogLevel.Warning, Message = "The mailbox table is missing; creating it again.")]
    private static partial void LogTableMissing(ILogger logger);

    [LoggerMessage(EventId = EventIds.StorageUnavailable, Level = LogLevel.Warning, Message = "Table storage unavailable: {ErrorType} {Status} ({Failures} failure(s) since the last such line; at most one a minute).")]
    private static partial void LogUnavailable(ILogger logger, string errorType, int? status, long failures);
}
