using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.Push;

/// <summary>
/// A push the relay owes (draft §3.2: each side learns of the other's update only through its push). It is recorded in
/// the update's own write, so there is never a stored update without its push nor a push for an update that did not
/// land; it is tried at once, and retried on <c>PushRetrySchedule</c> until delivered, refused for good, or no longer
/// owed: the mailbox is gone or expired, or <see cref="RecipientClaimHash"/> is no longer bound to it (docs/push.md).
/// </summary>
/// <param name="MailboxId">The mailbox whose update causes the push.</param>
/// <param name="Recipient">The party to wake: the other one than the updater.</param>
/// <param name="RecipientClaimHash">The recipient's keyed claim hash when the push was recorded; a push is never sent to a party no longer bound.</param>
/// <param name="Since">When the update was stored: the push's age is measured from it.</param>
/// <param name="Attempts">Deliveries tried so far.</param>
/// <param name="DueAt">When the next attempt is due.</param>
public sealed record PendingPush(MailboxId MailboxId, MailboxRole Recipient, byte[] RecipientClaimHash, DateTimeOffset Since, int Attempts, DateTimeOffset DueAt)
{
    /// <summary>The stored state of this record, opaque as a mailbox's (<see cref="StoreVersion"/>); null before it is stored.</summary>
    public StoreVersion? Version { get; set; }
}

/// <summary>What one delivery attempt came to.</summary>
public enum PushDelivery
{
    /// <summary>Notification Hubs accepted it (2xx).</summary>
    Delivered,

    /// <summary>Refused in a way retrying cannot fix (400 bad handle, 401, 403 quota, 404 no hub, 413): given up, once.</summary>
    Refused,

    /// <summary>No answer, a timeout, a connection failure or 5xx/429: worth another attempt later.</summary>
    Failed,
}

/// <summary>The outcome of one delivery attempt, with the hub's status and the <c>Retry-After</c> it asked for, if any.</summary>
public readonly record struct PushResult(PushDelivery Delivery, int? Status = null, TimeSpan? RetryAfter = null);
