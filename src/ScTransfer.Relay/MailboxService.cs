using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay;

/// <summary>
/// The draft's rules, once: who may do what to a mailbox (binding, access rights), idempotency by
/// Mailbox-Correlation-ID, expiry, identifiers never reused, and the push budget. Both hosts reach the protocol only
/// through this class. Every write carries a fresh <see cref="Mailbox.OperationId"/>: when the storage client's own
/// retry of a write that was applied but answered late meets that write (409, 412), the relay knows it as its own.
/// </summary>
public sealed partial class MailboxService(
    IMailboxStore store,
    ClaimHasher hasher,
    TokenCipher tokens,
    PushOutbox pushes,
    IOptions<PushOptions> pushOptions,
    TimeProvider time,
    RelayMetrics metrics,
    ILogger<MailboxService> logger)
{
    /// <summary>Conditional writes that lose a race re-read and decide again, at most this many times.</summary>
    private const int MaxAttempts = 16;

    public async Task<Outcome<MailboxId>> CreateAsync(
        CreateMailboxRequest request, DeviceClaim claim, string? correlationId, CancellationToken cancellationToken)
    {
        // Later revisions: the relay names the mailbox when the body does not. With a Correlation-ID the name follows from
        // the claim and the ID, so a retry whose first answer was lost finds its own mailbox (§5: 201, the same link).
        var id = request.MailboxId ?? (correlationId is null ? MailboxId.New() : hasher.IdentifierFor(claim, correlationId));
        var mailbox = new Mailbox
        {
            Id = id,
            SenderClaimHash = hasher.Hash(id, claim),
            AccessRights = request.AccessRights,
            CreatedAt = time.GetUtcNow(),
            ExpiresAt = request.ExpiresAt,
            DisplayInformationJson = request.DisplayInformationJson,
            Payload = request.Payload,
            SenderToken = tokens.Seal(id, MailboxRole.Sender, request.NotificationToken),
            SenderLastCorrelation = hasher.HashCorrelation(id, MailboxRole.Sender, correlationId),
            OperationId = Guid.NewGuid(),
        };

        if (await store.TryAddAsync(mailbox, cancellationToken))
        {
            return Created(id);
        }

        // The identifier is taken (no lookup table: the insert's 409 is the check).
        var existing = await store.GetAsync(id, MailboxView.Access, cancellationToken);
        if (existing is null)
        {
            // Only the purge removes an entity, and only a tombstone past its retention: the identifier is old news.
            return await store.TryAddAsync(mailbox, cancellationToken)
                ? Created(id)
                : throw new StorageUnavailableException("The mailbox kept changing during create; retry.", null);
        }

        // Our own insert, applied but answered after the storage client's timeout; its retry met it: this request created it.
        if (existing.OperationId == mailbox.OperationId)
        {
            return Created(id);
        }

        // §5 / §6.1.5: the same sender retrying with the same Correlation-ID gets 201 and the same link, as long as the
        // mailbox still holds them (expired but not yet purged); a tombstone holds neither, so a create retried after
        // the mailbox was deleted is refused like any other.
        if (!existing.IsTombstone && hasher.RoleOf(existing, claim) == MailboxRole.Sender
            && hasher.SameCorrelation(id, MailboxRole.Sender, correlationId, existing.SenderLastCorrelation))
        {
            return Outcome<MailboxId>.Duplicate(id);
        }

        // Live, expired or deleted: an identifier is never reused, so a revoked or expired link never shows a stranger's mailbox.
        return ProtocolError.Unauthorized("A mailbox with this identifier already exists (draft §6.1.5); choose a new random UUID.");
    }

    private Outcome<MailboxId> Created(MailboxId id)
    {
        metrics.MailboxCreated();
        return Outcome<MailboxId>.Ok(id);
    }

    /// <summary>
    /// ReadSecureContentFromMailbox (§6.5): the first claim other than the sender's binds as the receiver.
    /// <paramref name="mayBind"/>, when given, is asked just before a bind (never on other reads), at most once per
    /// attempt; false refuses the bind with 401 and changes nothing (the Privacy Pass first-read policy).
    /// </summary>
    public async Task<Outcome<Mailbox>> ReadAsync(
        MailboxId id, DeviceClaim claim, CancellationToken cancellationToken, Func<CancellationToken, Task<bool>>? mayBind = null)
    {
        var binds = false; // whether the latest decision was to bind this claim
        var outcome = await ReadDecideWriteAsync<Mailbox>(id, "read", MailboxView.Full, mailbox =>
        {
            binds = false;
            if (!mailbox.AccessRights.HasFlag(AccessRights.Read))
            {
                return ProtocolError.Unauthorized("This mailbox was created without read access (accessRights has no R).");
            }

            if (hasher.RoleOf(mailbox, claim) != MailboxRole.None)
            {
                return Outcome<Mailbox>.Ok(mailbox);
            }

            if (mailbox.ReceiverClaimHash is not null)
            {
                return ProtocolError.Unauthorized("This mailbox is bound to another receiver device.");
            }

            // Bind atomically: of concurrent first reads exactly one conditional write wins; the rest re-read and see it.
            // A bind after a relinquish also forgets that relinquish (it served only its retries).
            mailbox.ReceiverClaimHash = hasher.Hash(id, claim);
            mailbox.RelinquishedClaimHash = null;
            mailbox.RelinquishedCorrelation = null;
            binds = true;
            return new Decision<Mailbox>(Outcome<Mailbox>.Ok(mailbox), store.TryWriteReceiverAsync)
            {
                MayWrite = mayBind,
                Refusal = ProtocolError.Unauthorized("Binding as this mailbox's receiver needs a valid Privacy Pass token."),
            };
        }, cancellationToken);
        if (binds && outcome.Status == 200)
        {
            metrics.ReceiverBound();
        }

        return outcome;
    }

    /// <summary>
    /// UpdateMailbox (§6.2): overwrite the payload, remember the caller's token, and owe the other party a push, recorded
    /// in the same write (the outbox: an update is never stored without its push, docs/push.md).
    /// </summary>
    public async Task<Outcome<bool>> UpdateAsync(
        MailboxId id, DeviceClaim claim, UpdateMailboxRequest request, string? correlationId, CancellationToken cancellationToken)
    {
        SealedToken? notify = null;
        PendingPush? owed = null;
        var recipient = MailboxRole.None;
        var outcome = await ReadDecideWriteAsync<bool>(id, "update", MailboxView.WithoutPayload, mailbox =>
        {
            notify = null;
            owed = null;
            var role = hasher.RoleOf(mailbox, claim);
            if (role == MailboxRole.None)
            {
                return ProtocolError.Unauthorized("Only the sender or the bound receiver may update this mailbox; a receiver binds by reading first.");
            }

            var isSender = role == MailboxRole.Sender;
            if (hasher.SameCorrelation(id, role, correlationId, isSender ? mailbox.SenderLastCorrelation : mailbox.ReceiverLastCorrelation))
            {
                return Outcome<bool>.Duplicate(true); // §5: ignore the duplicate's body; no second push
            }

            if (!mailbox.AccessRights.HasFlag(AccessRights.Write))
            {
                return ProtocolError.Unauthorized("This mailbox was created without write access (accessRights has no W).");
            }

            mailbox.Payload = request.Payload;
            var token = tokens.Seal(id, role, request.NotificationToken);
            var correlation = hasher.HashCorrelation(id, role, correlationId);
            if (isSender)
            {
                mailbox.SenderToken = token;
                mailbox.SenderLastCorrelation = correlation;
            }
            else
            {
                mailbox.ReceiverToken = token;
                mailbox.ReceiverLastCorrelation = correlation;
            }

            recipient = isSender ? MailboxRole.Receiver : MailboxRole.Sender;
            var recipientToken = isSender ? mailbox.ReceiverToken : mailbox.SenderToken;
            var recipientClaim = isSender ? mailbox.ReceiverClaimHash : mailbox.SenderClaimHash;
            if (recipientToken is not null && recipientClaim is not null && pushes.CanPushTo(recipientToken.Type) && SpendPush(mailbox, recipient))
            {
                notify = recipientToken;
                var push = pushes.Owe(id, recipient, recipientClaim);
                owed = push;
                return new Decision<bool>(Outcome<bool>.Ok(true), (m, ct) => store.TryReplaceAndRecordPushAsync(m, push, ct));
            }

            return new Decision<bool>(Outcome<bool>.Ok(true), store.TryReplaceAsync);
        }, cancellationToken);

        if (outcome.Status != 200)
        {
            return outcome;
        }

        // §3.2: once the update is stored, the other party hears of it, if it left a token and the budget allows; what the
        // hub does not take now, the outbox's timer delivers later from the stored record.
        metrics.MailboxUpdated();
        if (owed is not null && tokens.Open(id, recipient, notify) is { } target)
        {
            await pushes.DeliverNowAsync(owed, target, cancellationToken);
        }

        return outcome;
    }

    /// <summary>
    /// The push budget (docs/security.md: a receiver looping updates must not flood the other device or the push quota):
    /// at most <see cref="PushOptions.MaxPerMailbox"/> pushes over the mailbox's life and one per recipient per
    /// <see cref="PushOptions.MinIntervalSeconds"/>. Counted on the mailbox, in the update's own conditional write.
    /// </summary>
    private bool SpendPush(Mailbox mailbox, MailboxRole recipient)
    {
        var options = pushOptions.Value;
        var now = time.GetUtcNow();
        var last = recipient == MailboxRole.Sender ? mailbox.SenderLastPushAt : mailbox.ReceiverLastPushAt;
        if (mailbox.PushCount >= options.MaxPerMailbox)
        {
            metrics.Push(PushOutcome.SkippedByBudget);
            LogPushSkipped(logger, "the mailbox's push budget is spent", mailbox.PushCount);
            return false;
        }

        if (last is { } at && now - at < TimeSpan.FromSeconds(options.MinIntervalSeconds))
        {
            metrics.Push(PushOutcome.SkippedByBudget);
            LogPushSkipped(logger, "the recipient was pushed to moments ago", mailbox.PushCount);
            return false;
        }

        mailbox.PushCount++;
        if (recipient == MailboxRole.Sender)
        {
            mailbox.SenderLastPushAt = now;
        }
        else
        {
            mailbox.ReceiverLastPushAt = now;
        }

        return true;
    }

    /// <summary>
    /// RelinquishMailbox (later revisions, <c>PATCH</c>): the bound receiver gives up its binding so that another
    /// receiver can bind by reading. Its notification token and idempotency record go with it (§8.2: nothing of a
    /// device that has left stays behind), except the keyed hash of its claim and its Correlation-ID, kept so that a
    /// retry of this very request still gets 201 (§5). The sender cannot relinquish: it deletes instead.
    /// </summary>
    public async Task<Outcome<bool>> RelinquishAsync(MailboxId id, DeviceClaim claim, string? correlationId, CancellationToken cancellationToken) =>
        Counted(await ReadDecideWriteAsync<bool>(id, "relinquish", MailboxView.Access, mailbox =>
        {
            switch (hasher.RoleOf(mailbox, claim))
            {
                case MailboxRole.None when hasher.SameCorrelation(id, MailboxRole.Receiver, correlationId, mailbox.RelinquishedCorrelation)
                    && hasher.Matches(id, claim, mailbox.RelinquishedClaimHash):
                    return Outcome<bool>.Duplicate(true); // the relinquish was done; the caller is no longer bound
                case MailboxRole.None:
                    return ProtocolError.Unauthorized("Only the receiver bound to this mailbox may relinquish it.");
                case MailboxRole.Sender:
                    return ProtocolError.Unauthorized("The sender cannot relinquish its mailbox; it may delete it (DeleteMailbox).");
            }

            if (hasher.SameCorrelation(id, MailboxRole.Receiver, correlationId, mailbox.ReceiverLastCorrelation))
            {
                return Outcome<bool>.Duplicate(true); // §5: a retry of the receiver's last request; nothing changes
            }

            // Without a Correlation-ID there is no retry to recognise, so nothing about the receiver is kept.
            mailbox.RelinquishedClaimHash = correlationId is null ? null : mailbox.ReceiverClaimHash;
            mailbox.RelinquishedCorrelation = hasher.HashCorrelation(id, MailboxRole.Receiver, correlationId);
            mailbox.ReceiverClaimHash = null;
            mailbox.ReceiverToken = null;
            mailbox.ReceiverLastCorrelation = null;
            mailbox.ReceiverLastPushAt = null;
            return new Decision<bool>(Outcome<bool>.Ok(true), store.TryWriteReceiverAsync);
        }, cancellationToken), metrics.MailboxRelinquished);

    /// <summary>
    /// DeleteMailbox (§6.3): the sender at any time (§3.2, Req-Revoke), the bound receiver with D. The mailbox becomes
    /// a tombstone that keeps its identifier refused (a leaked, revoked link never shows a stranger's mailbox). A
    /// retried delete finds only the tombstone and gets 404, as §6.3.3 allows: it holds nothing to recognise a retry by.
    /// </summary>
    public async Task<Outcome<bool>> DeleteAsync(MailboxId id, DeviceClaim claim, CancellationToken cancellationToken) =>
        Counted(await ReadDecideWriteAsync<bool>(id, "delete", MailboxView.Access, mailbox =>
        {
            var role = hasher.RoleOf(mailbox, claim);
            if (role == MailboxRole.None)
            {
                return ProtocolError.Unauthorized("Only the sender or the bound receiver may delete this mailbox.");
            }

            if (role == MailboxRole.Receiver && !mailbox.AccessRights.HasFlag(AccessRights.Delete))
            {
                return ProtocolError.Unauthorized("This mailbox was created without delete access for the receiver (accessRights has no D).");
            }

            return new Decision<bool>(Outcome<bool>.Ok(true), store.TryTombstoneAsync);
        }, cancellationToken), metrics.MailboxDeleted);

    /// <summary>
    /// ReadDisplayInformationFromMailbox (§6.4): public, never binds, never changes state. Reads only the display
    /// information and whether the mailbox is live (<see cref="MailboxView.Display"/>).
    /// </summary>
    public async Task<Outcome<Mailbox>> PreviewAsync(MailboxId id, CancellationToken cancellationToken)
    {
        var mailbox = await store.GetAsync(id, MailboxView.Display, cancellationToken);
        return mailbox is null || mailbox.IsGoneAt(time.GetUtcNow()) ? ProtocolError.NotFound() : Outcome<Mailbox>.Ok(mailbox);
    }

    /// <summary>Counts a 200 (not a duplicate's 201) on <paramref name="count"/>.</summary>
    private static Outcome<bool> Counted(Outcome<bool> outcome, Action count)
    {
        if (outcome.Status == 200)
        {
            count();
        }

        return outcome;
    }

    /// <summary>Whether this relay can push to a device that left a token of this type.</summary>
    public bool CanPushTo(NotificationToken? token) => token is not null && pushes.CanPushTo(token.Type);

    /// <summary>
    /// Reads the live mailbox, lets <paramref name="decide"/> answer or choose a conditional write, and makes that
    /// write. A write that lost a race (the ETag moved) reads and decides again, after a short random pause so that
    /// racing writers spread out; a mailbox gone meanwhile is 404.
    /// </summary>
    private async Task<Outcome<T>> ReadDecideWriteAsync<T>(
        MailboxId id, string operation, MailboxView view, Func<Mailbox, Decision<T>> decide, CancellationToken cancellationToken)
    {
        Guid? attempted = null;
        Outcome<T> attemptedAnswer = default;
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            if (attempt > 0)
            {
#pragma warning disable CA5394 // jitter between retries of a lost race, not a secret
                await Task.Delay(Random.Shared.Next(1, 4 * attempt), cancellationToken);
#pragma warning restore CA5394
            }

            var mailbox = await store.GetAsync(id, view, cancellationToken);

            // Our last write was applied after all (its answer came too late, the storage client retried and met it):
            // answer as that write would have. Checked before anything else, the Correlation-ID rule included.
            if (mailbox is not null && attempted is { } ours && mailbox.OperationId == ours)
            {
                return attemptedAnswer;
            }

            if (mailbox is null || mailbox.IsGoneAt(time.GetUtcNow()))
            {
                return ProtocolError.NotFound();
            }

            var decision = decide(mailbox);
            if (decision.Write is null)
            {
                return decision.Answer;
            }

            // A last check just before the write (the Privacy Pass first-read policy): refused, nothing is written.
            if (decision.MayWrite is { } mayWrite && !await mayWrite(cancellationToken))
            {
                return decision.Refusal;
            }

            mailbox.OperationId = Guid.NewGuid();
            attempted = mailbox.OperationId;
            attemptedAnswer = decision.Answer;
            switch (await decision.Write(mailbox, cancellationToken))
            {
                case WriteOutcome.Written:
                    return decision.Answer;
                case WriteOutcome.Gone:
                    return ProtocolError.NotFound();
            }
        }

        throw new StorageUnavailableException($"The mailbox kept changing during {operation}; retry.", null);
    }

    /// <summary>
    /// What one attempt decided: an answer now, or a conditional write and the answer should it land. A write may come
    /// with <see cref="MayWrite"/>, asked just before it (at most once per attempt): false ends the attempts with
    /// <see cref="Refusal"/> and writes nothing.
    /// </summary>
    private readonly record struct Decision<T>(Outcome<T> Answer, Func<Mailbox, CancellationToken, Task<WriteOutcome>>? Write = null)
    {
        public Func<CancellationToken, Task<bool>>? MayWrite { get; init; }

        public Outcome<T> Refusal { get; init; }

        public static implicit operator Decision<T>(Outcome<T> answer) => new(answer);

        public static implicit operator Decision<T>(ProtocolError error) => new(error);
    }

    [LoggerMessage(EventId = EventIds.PushSkipped, Level = LogLevel.Information, Message = "Push skipped: {Reason} ({PushCount} pushes sent for this mailbox).")]
    private static partial void LogPushSkipped(ILogger logger, string reason, int pushCount);
}
