using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay;

/// <summary>Which side of a mailbox a device claim belongs to.</summary>
public enum MailboxRole
{
    None,
    Sender,
    Receiver,
}

/// <summary>
/// Everything the relay keeps about one mailbox. Claims appear only as keyed hashes (<see cref="ClaimHasher"/>);
/// <see cref="Version"/> is the storage ETag the next conditional write must match.
/// </summary>
public sealed class Mailbox
{
    public required MailboxId Id { get; init; }

    public required byte[] SenderClaimHash { get; init; }

    public byte[]? ReceiverClaimHash { get; set; }

    public required AccessRights AccessRights { get; init; }

    public required DateTimeOffset CreatedAt { get; init; }

    public required DateTimeOffset ExpiresAt { get; init; }

    public required string DisplayInformationJson { get; init; }

    public required SecurePayload Payload { get; set; }

    public NotificationToken? SenderToken { get; set; }

    public NotificationToken? ReceiverToken { get; set; }

    /// <summary>The last Mailbox-Correlation-ID the sender's claim completed (draft §5).</summary>
    public string? SenderLastCorrelationId { get; set; }

    /// <summary>The last Mailbox-Correlation-ID the receiver's claim completed (draft §5).</summary>
    public string? ReceiverLastCorrelationId { get; set; }

    /// <summary>
    /// The keyed claim hash of the receiver that last relinquished (RelinquishMailbox, later revisions), kept only
    /// with <see cref="RelinquishedCorrelationId"/> so that its retry is answered 201 (draft §5); cleared on the next bind.
    /// </summary>
    public byte[]? RelinquishedClaimHash { get; set; }

    /// <summary>The Mailbox-Correlation-ID of that relinquish.</summary>
    public string? RelinquishedCorrelationId { get; set; }

    /// <summary>Opaque storage version (ETag); null before the mailbox is first stored.</summary>
    public string? Version { get; set; }

    /// <summary>Expired mailboxes are gone for every endpoint at once, purged or not.</summary>
    public bool IsExpiredAt(DateTimeOffset now) => now >= ExpiresAt;
}
