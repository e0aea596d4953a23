using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Push;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Mailboxes in Azure Table storage through Azure.Data.Tables: one table, PartitionKey = a keyed shard ("s00".."sNN",
/// <see cref="MailboxShards"/>), RowKey = the mailbox id, and beside each mailbox its due-time index row
/// (<see cref="DueIndex"/>). Every request is one round trip: create one entity-group transaction (the mailbox and its
/// index row), a read one point read of the properties its decision needs (<see cref="MailboxView"/>), a bind, update,
/// relinquish or delete (to a tombstone) one conditional write on the ETag that read returned. The purge reads each
/// shard's index rows that are due, by RowKey range, and changes each mailbox and its row in one transaction.
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
    private readonly StorageOutage _outage = new(
        "Table storage is unavailable; retry later.", (type, status, failures) => LogUnavailable(logger, type, status, failures));

    /// <summary>Creates the mailbox table if it is missing (start-up).</summary>
    public async Task EnsureTableAsync(CancellationToken cancellationToken) =>
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
        // The mailbox and its index row in one entity-group transaction: one round trip, and never one without the other.
        var shard = Shard(mailbox.Id);
        var id = mailbox.Id.ToString();
        TableTransactionAction[] actions =
        [
            new(TableTransactionActionType.Add, MailboxEntity.Whole(shard, mailbox)),
            DueIndex.Add(DueIndex.Row(shard, mailbox.ExpiresAt, id, DueIndex.Step.Retire, mailbox.ExpiresAt)),
        ];
        try
        {
            var response = await Guard(() => _mailboxes.SubmitTransactionAsync(actions, cancellationToken), cancellationToken);
            mailbox.Version = TableVersion.From(response.Value[0].Headers.ETag);
            return true;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return false; // the identifier is taken (or our own transaction landed and the client's retry met it)
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

    public async Task<WriteOutcome> TryReplaceAndRecordPushAsync(Mailbox mailbox, PendingPush push, CancellationToken cancellationToken)
    {
        if (mailbox.View is not (MailboxView.Full or MailboxView.WithoutPayload) || mailbox.Payload is null)
        {
            throw new InvalidOperationException("A replace writes the whole mailbox: read it with MailboxView.Full or WithoutPayload, and give it a payload.");
        }

        // The update and the push it owes in one entity-group transaction: both are stored, or neither.
        var shard = Shard(mailbox.Id);
        TableTransactionAction[] actions =
        [
            new(TableTransactionActionType.UpdateReplace, MailboxEntity.Whole(shard, mailbox), TableVersion.Of(mailbox.Version)),
            PushRecords.Record(shard, push),
        ];
        try
        {
            var response = await Guard(() => _mailboxes.SubmitTransactionAsync(actions, cancellationToken), cancellationToken);
            mailbox.Version = TableVersion.From(response.Value[0].Headers.ETag);
            push.Version = TableVersion.From(response.Value[1].Headers.ETag);
            return WriteOutcome.Written;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 404 or 412)
        {
            return ex.Status == 404 ? WriteOutcome.Gone : WriteOutcome.Conflict;
        }
    }

    public async Task<IReadOnlyList<PendingPush>> DuePushesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        var due = new System.Collections.Concurrent.ConcurrentQueue<PendingPush>();
        await Parallel.ForEachAsync(
            shards.All,
            new ParallelOptions { MaxDegreeOfParallelism = PurgeParallelism, CancellationToken = cancellationToken },
            async (shard, ct) =>
            {
                // The shard's pushes due by now: a RowKey range, as the purge's index (what is due, never a scan).
                string? continuation = null;
                do
                {
                    var page = await Guard(() => FirstPageAsync(PushRecords.DueBy(shard, now), PushRecords.Selection, continuation, ct), ct);
                    foreach (var row in page?.Values ?? [])
                    {
                        due.Enqueue(PushRecords.Read(row));
                    }

                    continuation = page?.ContinuationToken;
                }
                while (continuation is not null && due.Count < max);
            });

        return [.. due.OrderBy(p => p.DueAt).Take(max)];
    }

    public async Task<bool> TryRemovePushAsync(PendingPush push, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Guard(
                () => _mailboxes.DeleteEntityAsync(Shard(push.MailboxId), PushRecords.RowKey(push), PushRecords.VersionOf(push), cancellationToken),
                cancellationToken);
            return response.Status != 404;
        }
        catch (RequestFailedException ex) when (ex.Status is 404 or 412)
        {
            return false; // settled meanwhile (another instance, or the retry timer)
        }
    }

    public async Task<PendingPush?> TryReschedulePushAsync(PendingPush push, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        var shard = Shard(push.MailboxId);
        var next = push with { Attempts = push.Attempts + 1, DueAt = dueAt, Version = null };
        return await TrySubmitAsync([PushRecords.Delete(shard, push), PushRecords.Record(shard, next)], cancellationToken) is null ? next : null;
    }

    // A merge of the receiver's properties: a bind or a relinquish never sends the payload back over the wire.
    public Task<WriteOutcome> TryWriteReceiverAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
        ConditionalAsync(mailbox, MailboxEntity.ReceiverPart(Shard(mailbox.Id), mailbox), TableUpdateMode.Merge, cancellationToken);

    /// <summary>
    /// The mailbox becomes its tombstone and its index row moves from the expiry to the retention's end, in one
    /// entity-group transaction conditional on the ETag the read returned (a lost race fails it whole: 412).
    /// </summary>
    public async Task<WriteOutcome> TryTombstoneAsync(Mailbox mailbox, CancellationToken cancellationToken)
    {
        var shard = Shard(mailbox.Id);
        var id = mailbox.Id.ToString();
        var purgeAt = mailbox.ExpiresAt + _tombstoneRetention;
        TableTransactionAction[] actions =
        [
            new(TableTransactionActionType.UpdateReplace,
                MailboxEntity.Tombstone(shard, id, mailbox.ExpiresAt, purgeAt, mailbox.OperationId), TableVersion.Of(mailbox.Version)),
            new(TableTransactionActionType.Delete, new TableEntity(shard, DueIndex.RowKey(mailbox.ExpiresAt, id)), ETag.All),
            DueIndex.Add(DueIndex.Row(shard, purgeAt, id, DueIndex.Step.Remove, mailbox.ExpiresAt)),
        ];
        try
        {
            var response = await Guard(() => _mailboxes.SubmitTransactionAsync(actions, cancellationToken), cancellationToken);
            mailbox.Version = TableVersion.From(response.Value[0].Headers.ETag);
            return WriteOutcome.Written;
        }
        catch (TableTransactionFailedException ex) when (ex.Status is 404 or 412)
        {
            return ex.Status == 404 && ex.FailedTransactionActionIndex == 0 ? WriteOutcome.Gone : WriteOutcome.Conflict;
        }
    }

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
                // The shard's index rows due by now: a RowKey range, read from the service's own order.
                var filter = DueIndex.DueBy(shard, now);
                string? continuation = null;
                do
                {
                    if (clock.Elapsed >= budget)
                    {
                        complete = false;
                        return;
                    }

                    var page = await Guard(() => FirstPageAsync(filter, DueIndex.Selection, continuation, ct), ct);
                    if (page is null)
                    {
                        return;
                    }

                    foreach (var batch in Batches(page.Values.Select(row => PurgeStep(shard, row))))
                    {
                        if (clock.Elapsed >= budget)
                        {
                            complete = false;
                            return;
                        }

                        var (t, d, s) = await PurgeBatchAsync(batch, ct);
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

    private async Task<Page<TableEntity>?> FirstPageAsync(string filter, IEnumerable<string> select, string? continuation, CancellationToken ct)
    {
        await foreach (var page in _mailboxes.QueryAsync<TableEntity>(
            filter, maxPerPage: 1000, select: select, cancellationToken: ct).AsPages(continuation, 1000))
        {
            return page;
        }

        return null;
    }

    /// <summary>
    /// What the purge does for one due index row, as the actions of one transaction: at the end of a mailbox's lifetime
    /// it becomes a tombstone and the row moves to the retention's end; at the retention's end the tombstone and its row
    /// go. The row's deletion is conditional on the ETag the query returned, so a step
    /// that another run took meanwhile fails whole.
    /// </summary>
    private PurgeAction PurgeStep(string shard, TableEntity row)
    {
        var (id, step, expiresAt) = DueIndex.Read(row);
        if (step == DueIndex.Step.Remove)
        {
            return new PurgeAction(step, row,
            [
                new(TableTransactionActionType.Delete, new TableEntity(shard, id), ETag.All),
                DueIndex.Delete(row),
            ]);
        }

        var purgeAt = expiresAt + _tombstoneRetention;
        return new PurgeAction(step, row,
        [
            new(TableTransactionActionType.UpdateReplace, MailboxEntity.Tombstone(shard, id, expiresAt, purgeAt, Guid.NewGuid()), ETag.All),
            DueIndex.Delete(row),
            DueIndex.Add(DueIndex.Row(shard, purgeAt, id, DueIndex.Step.Remove, expiresAt)),
        ]);
    }

    /// <summary>Whole steps packed into transactions of at most 100 operations.</summary>
    private static IEnumerable<List<PurgeAction>> Batches(IEnumerable<PurgeAction> steps)
    {
        var batch = new List<PurgeAction>();
        var operations = 0;
        foreach (var step in steps)
        {
            if (operations + step.Actions.Length > TransactionSize)
            {
                yield return batch;
                (batch, operations) = ([], 0);
            }

            batch.Add(step);
            operations += step.Actions.Length;
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    /// <summary>
    /// One entity-group transaction for a batch of steps. If it fails (a row another run took, a mailbox gone), each
    /// step goes again on its own, so one stale row costs only its own step; a step that still fails is left to the next
    /// run, except an index row whose mailbox is gone, which is removed so it is never read again.
    /// </summary>
    private async Task<(int Tombstoned, int Deleted, int Skipped)> PurgeBatchAsync(List<PurgeAction> batch, CancellationToken ct)
    {
        if (await TrySubmitAsync(batch.SelectMany(step => step.Actions), ct) is not { } refused)
        {
            return Count(batch);
        }

        var (tombstoned, deleted, skipped) = (0, 0, 0);
        foreach (var step in batch)
        {
            switch (batch.Count == 1 ? refused : await TrySubmitAsync(step.Actions, ct))
            {
                case null:
                    _ = step.Step == DueIndex.Step.Remove ? deleted++ : tombstoned++;
                    break;
                case 404 when await MailboxMissingAsync(step, ct):
                    await TrySubmitAsync([DueIndex.Delete(step.Row)], ct); // an index row without its mailbox: never again
                    skipped++;
                    break;
                default:
                    skipped++; // changed since the query: the next run decides again
                    break;
            }
        }

        return (tombstoned, deleted, skipped);

        static (int, int, int) Count(List<PurgeAction> done) =>
            (done.Count(s => s.Step == DueIndex.Step.Retire), done.Count(s => s.Step == DueIndex.Step.Remove), 0);
    }

    /// <summary>Null when the transaction was applied, else the status that refused it (404, 409, 412).</summary>
    private async Task<int?> TrySubmitAsync(IEnumerable<TableTransactionAction> actions, CancellationToken ct)
    {
        try
        {
            await Guard(() => _mailboxes.SubmitTransactionAsync(actions, ct), ct);
            return null;
        }
        catch (TableTransactionFailedException ex)
        {
            return ex.Status;
        }
    }

    private async Task<bool> MailboxMissingAsync(PurgeAction step, CancellationToken ct)
    {
        var mailbox = step.Actions[0].Entity;
        var read = await Guard(() => _mailboxes.GetEntityIfExistsAsync<TableEntity>(mailbox.PartitionKey, mailbox.RowKey, ["RowKey"], ct), ct);
        return !read.HasValue;
    }

    /// <summary>One due index row's step: its actions, the mailbox's first.</summary>
    private sealed record PurgeAction(DueIndex.Step Step, TableEntity Row, TableTransactionAction[] Actions);

    private async Task<WriteOutcome> ConditionalAsync(Mailbox mailbox, TableEntity entity, TableUpdateMode mode, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Guard(() => _mailboxes.UpdateEntityAsync(entity, TableVersion.Of(mailbox.Version), mode, cancellationToken), cancellationToken);
            mailbox.Version = TableVersion.From(response.Headers.ETag);
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
    private Task<T> Guard<T>(Func<Task<T>> operation, CancellationToken cancellationToken) => _outage.GuardAsync(async () =>
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
    }, cancellationToken);

    [LoggerMessage(EventId = EventIds.TableMissing, Level = LogLevel.Warning, Message = "The mailbox table is missing; creating it again.")]
    private static partial void LogTableMissing(ILogger logger);

    [LoggerMessage(EventId = EventIds.StorageUnavailable, Level = LogLevel.Warning, Message = "Table storage unavailable: {ErrorType} {Status} ({Failures} failure(s) since the last such line; at most one a minute).")]
    private static partial void LogUnavailable(ILogger logger, string errorType, int? status, long failures);
}
