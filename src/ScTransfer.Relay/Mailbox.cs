using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay;

/// <summary>Which side of a mailbox a device claim belongs to.</summary>
public enum MailboxRole
{
    None,
    Sender,
    Receiver,
}

/// <summary>
/// Everything the relay keeps about one mailbox. Claims and Correlation-IDs appear only as keyed hashes
/// (<see cref="ClaimHasher"/>), notification tokens only sealed (<see cref="TokenCipher"/>). A mailbox read with a
/// narrower <see cref="MailboxView"/> holds only that view's properties (<see cref="View"/>): the rest are null or empty.
/// </summary>
public sealed class Mailbox
{
    public required MailboxId Id { get; init; }

    /// <summary>Keyed hash of the sender's claim; null in <see cref="MailboxView.Display"/> and in a tombstone.</summary>
    public byte[]? SenderClaimHash { get; init; }

    public byte[]? ReceiverClaimHash { get; set; }

    public AccessRights AccessRights { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    /// <summary>The <c>displayInformation</c> JSON as sent; null when the view left it in storage (<see cref="MailboxView.Access"/>).</summary>
    public string? DisplayInformationJson { get; init; }

    /// <summary>The ciphertext; null when the view left it in storage (every view but <see cref="MailboxView.Full"/>).</summary>
    public SecurePayload? Payload { get; set; }

    /// <summary>Which properties the read that produced this mailbox brought back; a new mailbox has them all.</summary>
    public MailboxView View { get; init; } = MailboxView.Full;

    public SealedToken? SenderToken { get; set; }

    public SealedToken? ReceiverToken { get; set; }

    /// <summary>Keyed hash of the last Mailbox-Correlation-ID the sender's claim completed (draft §5).</summary>
    public byte[]? SenderLastCorrelation { get; set; }

    /// <summary>Keyed hash of the last Mailbox-Correlation-ID the receiver's claim completed (draft §5).</summary>
    public byte[]? ReceiverLastCorrelation { get; set; }

    /// <summary>
    /// The keyed claim hash of the receiver that last relinquished (RelinquishMailbox, later revisions), kept only
    /// with <see cref="RelinquishedCorrelation"/> so that its retry is answered 201 (draft §5); cleared on the next bind.
    /// </summary>
    public byte[]? RelinquishedClaimHash { get; set; }

    /// <summary>Keyed hash of the Mailbox-Correlation-ID of that relinquish.</summary>
    public byte[]? RelinquishedCorrelation { get; set; }

    /// <summary>Pushes sent for this mailbox so far (the push budget, counted in the update's own conditional write).</summary>
    public int PushCount { get; set; }

    /// <summary>When the sender was last pushed to.</summary>
    public DateTimeOffset? SenderLastPushAt { get; set; }

    /// <summary>When the receiver was last pushed to.</summary>
    public DateTimeOffset? ReceiverLastPushAt { get; set; }

    /// <summary>
    /// A tombstone: a deleted mailbox whose identifier stays refused until the purge removes it. It holds only the
    /// identifier and the original expiry; every endpoint answers 404 and a create answers 401.
    /// </summary>
    public bool IsTombstone { get; init; }

    /// <summary>
    /// The random id of the relay write that last stored this mailbox: when the storage client's own retry meets
    /// that write (409, 412), the relay recognises it as its own.
    /// </summary>
    public Guid OperationId { get; set; }

    /// <summary>
    /// The stored state this mailbox was read at, which the next conditional write must still find; opaque here, the
    /// store's own (<see cref="StoreVersion"/>). Null before the mailbox is first stored.
    /// </summary>
    public StoreVersion? Version { get; set; }

    /// <summary>Expired mailboxes are gone for every endpoint at once, purged or not.</summary>
    public bool IsExpiredAt(DateTimeOffset now) => now >= ExpiresAt;

    /// <summary>Whether requests see nothing here: deleted (a tombstone) or expired.</summary>
    public bool IsGoneAt(DateTimeOffset now) => IsTombstone || IsExpiredAt(now);

    /// <summary>A tombstone as read back from storage: no claim, token, Correlation-ID, payload or display information.</summary>
    public static Mailbox Tombstone(MailboxId id, DateTimeOffset expiresAt, Guid operationId, StoreVersion? version) => new()
    {
        Id = id,
        AccessRights = AccessRights.None,
        CreatedAt = expiresAt,
        ExpiresAt = expiresAt,
        IsTombstone = true,
        OperationId = operationId,
        Version = version,
    };
}

/// <summary>
/// Which of a mailbox's properties a read brings back: only what the request's decision needs, so that only the
/// receiver's read carries the payload back from storage.
/// </summary>
public enum MailboxView
{
    /// <summary>Everything, the payload included: ReadSecureContent.</summary>
    Full,

    /// <summary>Everything but the payload: UpdateMailbox, which replaces the payload anyway.</summary>
    WithoutPayload,

    /// <summary>Whether it is live and its display information: ReadDisplayInformation.</summary>
    Display,

    /// <summary>
    /// Whether it is live, who may act on it (claim hashes, access rights) and its idempotency records: DeleteMailbox,
    /// RelinquishMailbox, and a create that found its identifier taken.
    /// </summary>
    Access,

    /// <summary>Whether it is live, who is bound (claim hashes) and their tokens: a pending push's retry.</summary>
    Push,
}

/// <summary>A notification token as stored: its type, and its data sealed with AES-GCM (<see cref="TokenCipher"/>).</summary>
public sealed record SealedToken(string Type, byte[] Sealed)
{
    public override string ToString() => $"SealedToken({Type})";
}
