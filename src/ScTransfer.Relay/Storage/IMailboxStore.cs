using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Storage;

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
/// <param name="Purged">Expired mailboxes deleted.</param>
/// <param name="IndexEntriesRemoved">Expiry-index entries cleared (purged, deleted earlier, or superseded).</param>
/// <param name="Remaining">Expired index entries left for later runs (counted up to <see cref="MailboxStore.RemainingCountLimit"/>).</param>
public sealed record PurgeReport(int Purged, int IndexEntriesRemoved, int Remaining);

/// <summary>
/// Mailbox persistence. Every operation on the request path is a point operation; writes are conditional on the
/// version a read returned. Failures of the storage service surface as <see cref="StorageUnavailableException"/>.
/// </summary>
public interface IMailboxStore
{
    Task<Mailbox?> GetAsync(MailboxId id, CancellationToken cancellationToken);

    /// <summary>Stores a new mailbox; false when the identifier is already taken.</summary>
    Task<bool> TryAddAsync(Mailbox mailbox, CancellationToken cancellationToken);

    /// <summary>Overwrites the mailbox if it is still at <see cref="Mailbox.Version"/>.</summary>
    Task<WriteOutcome> TryReplaceAsync(Mailbox mailbox, CancellationToken cancellationToken);

    /// <summary>Records <see cref="Mailbox.ReceiverClaimHash"/> if the mailbox is still at <see cref="Mailbox.Version"/>.</summary>
    Task<WriteOutcome> TryBindReceiverAsync(Mailbox mailbox, CancellationToken cancellationToken);

    /// <summary>Deletes the mailbox if it is still at <see cref="Mailbox.Version"/>.</summary>
    Task<WriteOutcome> TryDeleteAsync(Mailbox mailbox, CancellationToken cancellationToken);

    /// <summary>Deletes up to <paramref name="maxEntries"/> mailboxes that expired before <paramref name="now"/>, without scanning live ones.</summary>
    Task<PurgeReport> PurgeExpiredAsync(DateTimeOffset now, int maxEntries, CancellationToken cancellationToken);
}

/// <summary>Storage is unreachable or throttling: the request answers 503 with Retry-After and changed nothing.</summary>
public sealed class StorageUnavailableException(string message, Exception? inner) : Exception(message, inner);
