using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// The stored state of a record as the store that read or wrote it knows it (Table storage: the entity's ETag); the
/// store's conditional writes succeed only while the record is still at it. Opaque above the store: the domain carries
/// it from a read to the write that follows and never looks inside. Each store derives its own; equal means the same
/// state.
/// </summary>
public abstract record StoreVersion;

/// <summary>The result of a conditional write.</summary>
public enum WriteOutcome
{
    /// <summary>The write happened.</summary>
    Written,

    /// <summary>Someone else changed the mailbox since it was read (ETag mismatch): read again and decide again.</summary>
    Conflict,

    /// <summary>The mailbox no longer exists.</summary>
    Gone,
}

/// <summary>What one purge run did.</summary>
/// <param name="Tombstoned">Expired mailboxes turned into tombstones (their content gone, their identifier still refused).</param>
/// <param name="Deleted">Tombstones whose retention had passed, removed for good.</param>
/// <param name="Skipped">Due entities that changed or went since the run read them: the next run decides again.</param>
/// <param name="Complete">False when the time budget ran out before every shard was worked through.</param>
public sealed record PurgeReport(int Tombstoned, int Deleted, int Skipped, bool Complete);

/// <summary>
/// Mailbox persistence. Every operation on the request path is a point operation; writes are conditional on the
/// version a read returned and stamp <see cref="Mailbox.OperationId"/>. Failures of the storage service surface as <see cref="StorageUnavailableException"/>.
/// </summary>
public interface IMailboxStore
{
    /// <summary>
    /// The mailbox with the properties of <paramref name="view"/> (the rest stay in storage), or its tombstone
    /// (<see cref="Mailbox.IsTombstone"/>), or null when there is neither.
    /// </summary>
    Task<Mailbox?> GetAsync(MailboxId id, MailboxView view, CancellationToken cancellationToken);

    /// <summary>Stores a new mailbox; false when the identifier is already taken.</summary>
    Task<bool> TryAddAsync(Mailbox mailbox, CancellationToken cancellationToken);

    /// <summary>
    /// Overwrites the whole mailbox if it is still at <see cref="Mailbox.Version"/>. It must have been read with
    /// <see cref="MailboxView.Full"/> or <see cref="MailboxView.WithoutPayload"/> and hold a payload.
    /// </summary>
    Task<WriteOutcome> TryReplaceAsync(Mailbox mailbox, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="TryReplaceAsync"/>, and in the same write records <paramref name="push"/> (the outbox), so that the
    /// update is stored with its push or not at all. Sets the push's <see cref="PendingPush.Version"/>.
    /// </summary>
    Task<WriteOutcome> TryReplaceAndRecordPushAsync(Mailbox mailbox, PendingPush push, CancellationToken cancellationToken);

    /// <summary>
    /// Writes only the receiver's part of the mailbox (<see cref="Mailbox.ReceiverClaimHash"/>, its token, last
    /// Correlation-ID and last push, and the relinquish record) if it is still at <see cref="Mailbox.Version"/>: a bind
    /// or a relinquish. Everything else stays as stored; the mailbox may have been read with any view.
    /// </summary>
    Task<WriteOutcome> TryWriteReceiverAsync(Mailbox mailbox, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the mailbox with its tombstone (identifier, original expiry, marker; nothing else) if it is still at
    /// <see cref="Mailbox.Version"/>. The purge removes the tombstone once its retention after the expiry has passed.
    /// </summary>
    Task<WriteOutcome> TryTombstoneAsync(Mailbox mailbox, CancellationToken cancellationToken);

    /// <summary>
    /// Turns mailboxes expired by <paramref name="now"/> into tombstones and removes tombstones whose retention has
    /// passed, for at most <paramref name="budget"/>, without reading live mailboxes.
    /// </summary>
    Task<PurgeReport> PurgeExpiredAsync(DateTimeOffset now, TimeSpan budget, CancellationToken cancellationToken);

    /// <summary>Pending pushes whose next attempt is due by <paramref name="now"/>, oldest due first per shard, at most <paramref name="max"/>; found by key, never by a scan.</summary>
    Task<IReadOnlyList<PendingPush>> DuePushesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>Removes a pending push's record (delivered, refused, or no longer owed); false when it changed or went meanwhile.</summary>
    Task<bool> TryRemovePushAsync(PendingPush push, CancellationToken cancellationToken);

    /// <summary>Moves a pending push to <paramref name="dueAt"/> with one more attempt counted; null when it changed or went meanwhile.</summary>
    Task<PendingPush?> TryReschedulePushAsync(PendingPush push, DateTimeOffset dueAt, CancellationToken cancellationToken);
}

/// <summary>Storage is unreachable or throttling: the request answers 503 with Retry-After and changed nothing.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner) : Exception(message, inner)
{
    /// <summary>True when the call was refused at once because storage is known to be down (the circuit breaker is open).</summary>
    public bool BreakerOpen { get; init; }
}
