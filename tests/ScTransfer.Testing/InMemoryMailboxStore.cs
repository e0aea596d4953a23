using ScTransfer.Relay;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Testing;

/// <summary>
/// An <see cref="IMailboxStore"/> in memory with the real store's semantics, so the protocol's rules can be tested in
/// milliseconds: every write stores a copy and answers a fresh version of its own (<see cref="StoreVersion"/>),
/// conditional writes compare it (a stale one is <see cref="WriteOutcome.Conflict"/>, a missing entry <see cref="WriteOutcome.Gone"/>), an add
/// of a taken identifier is refused, a tombstone keeps only the identifier, expiry and operation id, and the purge
/// works from an index of due times without looking at live mailboxes. The contract suite in
/// ScTransfer.Relay.Tests (MailboxStoreContract) runs the same tests against this and the Azure Table store.
/// Faults are injected deterministically: <see cref="AnswerNextWriteLate"/> and <see cref="FailNextOperation"/>.
/// </summary>
public sealed class InMemoryMailboxStore(TimeSpan? tombstoneRetention = null) : IMailboxStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<MailboxId, Entry> _entries = [];

    /// <summary>What the purge reads: (due time, identifier) of every entry, in order. Never the mailboxes themselves.</summary>
    private readonly SortedSet<(DateTimeOffset PurgeAt, Guid Id)> _due = [];

    /// <summary>The push outbox: pending pushes by (due time, mailbox, recipient), as the real store keys its rows.</summary>
    private readonly SortedDictionary<(DateTimeOffset DueAt, Guid Id, MailboxRole Recipient), PendingPush> _pushes = [];

    private readonly TimeSpan _retention = tombstoneRetention ?? new PurgeOptions().TombstoneRetention;
    private long _nextVersion;
    private bool _answerNextWriteLate;
    private Exception? _failNext;

    /// <summary>Entries held, tombstones included.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Point reads so far.</summary>
    public int Reads { get; private set; }

    /// <summary>Write requests so far (adds and conditional writes, whether they were applied or not).</summary>
    public int Writes { get; private set; }

    /// <summary>Entries the purge has looked at so far: only due ones, however many live mailboxes there are.</summary>
    public int PurgeExamined { get; private set; }

    /// <summary>
    /// The next write is applied but answered as the storage client's own retry of it would be answered: an add as
    /// "identifier taken", a conditional write as <see cref="WriteOutcome.Conflict"/> (its version already moved).
    /// </summary>
    public void AnswerNextWriteLate()
    {
        lock (_gate)
        {
            _answerNextWriteLate = true;
        }
    }

    /// <summary>The next operation throws <paramref name="exception"/> (default: storage unavailable) and changes nothing.</summary>
    public void FailNextOperation(Exception? exception = null)
    {
        lock (_gate)
        {
            _failNext = exception ?? new StorageUnavailableException("Injected storage outage.", null);
        }
    }

    public Task<Mailbox?> GetAsync(MailboxId id, MailboxView view, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfFailing(cancellationToken);
            Reads++;
            return Task.FromResult(_entries.TryGetValue(id, out var entry) ? Project(entry.Mailbox, entry.Version, view) : null);
        }
    }

    public Task<bool> TryAddAsync(Mailbox mailbox, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfFailing(cancellationToken);
            Writes++;
            if (_entries.ContainsKey(mailbox.Id))
            {
                return Task.FromResult(false); // 409
            }

            Put(mailbox.Id, Copy(mailbox, null), mailbox.ExpiresAt, out var version);
            if (Late())
            {
                return Task.FromResult(false); // applied, then the retry met it: 409
            }

            mailbox.Version = version;
            return Task.FromResult(true);
        }
    }

    public Task<WriteOutcome> TryReplaceAsync(Mailbox mailbox, CancellationToken cancellationToken)
    {
        // As the real store: a replace writes everything, so it needs a mailbox read with everything but the payload.
        if (mailbox.View is not (MailboxView.Full or MailboxView.WithoutPayload) || mailbox.Payload is null)
        {
            throw new InvalidOperationException("A replace writes the whole mailbox: read it with MailboxView.Full or WithoutPayload, and give it a payload.");
        }

        return ConditionalAsync(mailbox, _ => (Copy(mailbox, null), mailbox.ExpiresAt), cancellationToken);
    }

    public Task<WriteOutcome> TryReplaceAndRecordPushAsync(Mailbox mailbox, PendingPush push, CancellationToken cancellationToken)
    {
        if (mailbox.View is not (MailboxView.Full or MailboxView.WithoutPayload) || mailbox.Payload is null)
        {
            throw new InvalidOperationException("A replace writes the whole mailbox: read it with MailboxView.Full or WithoutPayload, and give it a payload.");
        }

        // As the real store: the update and its push record in one transaction, both or neither.
        return ConditionalAsync(mailbox, _ => (Copy(mailbox, null), mailbox.ExpiresAt), cancellationToken, applied: () =>
        {
            var version = NextVersion();
            _pushes[(push.DueAt, push.MailboxId.Value, push.Recipient)] = push with { Version = version };
            return version;
        }, answered: version => push.Version = version);
    }

    /// <summary>Pending pushes held now (due or not).</summary>
    public IReadOnlyList<PendingPush> PendingPushes
    {
        get
        {
            lock (_gate)
            {
                return [.. _pushes.Values];
            }
        }
    }

    public Task<IReadOnlyList<PendingPush>> DuePushesAsync(DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfFailing(cancellationToken);
            return Task.FromResult<IReadOnlyList<PendingPush>>([.. _pushes.Where(p => p.Key.DueAt <= now).Take(max).Select(p => p.Value with { })]);
        }
    }

    public Task<bool> TryRemovePushAsync(PendingPush push, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfFailing(cancellationToken);
            var key = (push.DueAt, push.MailboxId.Value, push.Recipient);
            return Task.FromResult(_pushes.TryGetValue(key, out var held) && (push.Version is null || held.Version == push.Version) && _pushes.Remove(key));
        }
    }

    public Task<PendingPush?> TryReschedulePushAsync(PendingPush push, DateTimeOffset dueAt, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfFailing(cancellationToken);
            var key = (push.DueAt, push.MailboxId.Value, push.Recipient);
            if (!_pushes.TryGetValue(key, out var held) || (push.Version is not null && held.Version != push.Version))
            {
                return Task.FromResult<PendingPush?>(null);
            }

            _pushes.Remove(key);
            var next = push with { Attempts = push.Attempts + 1, DueAt = dueAt, Version = NextVersion() };
            _pushes[(dueAt, push.MailboxId.Value, push.Recipient)] = next with { };
            return Task.FromResult<PendingPush?>(next);
        }
    }

    public Task<WriteOutcome> TryWriteReceiverAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
        ConditionalAsync(mailbox, stored =>
        {
            // A merge of the receiver's properties, as the real store sends it; everything else stays as stored.
            var merged = Copy(stored.Mailbox, null);
            merged.ReceiverClaimHash = mailbox.ReceiverClaimHash?.ToArray();
            merged.ReceiverToken = mailbox.ReceiverToken is { } r ? new SealedToken(r.Type, r.Sealed.ToArray()) : null;
            merged.ReceiverLastCorrelation = mailbox.ReceiverLastCorrelation?.ToArray();
            merged.ReceiverLastPushAt = mailbox.ReceiverLastPushAt;
            merged.RelinquishedClaimHash = mailbox.RelinquishedClaimHash?.ToArray();
            merged.RelinquishedCorrelation = mailbox.RelinquishedCorrelation?.ToArray();
            return (merged, stored.PurgeAt);
        }, cancellationToken);

    public Task<WriteOutcome> TryTombstoneAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
        ConditionalAsync(
            mailbox,
            _ => (Mailbox.Tombstone(mailbox.Id, mailbox.ExpiresAt, mailbox.OperationId, null), mailbox.ExpiresAt + _retention),
            cancellationToken);

    public Task<PurgeReport> PurgeExpiredAsync(DateTimeOffset now, TimeSpan budget, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ThrowIfFailing(cancellationToken);
            if (budget <= TimeSpan.Zero)
            {
                return Task.FromResult(new PurgeReport(0, 0, 0, Complete: false));
            }

            var (tombstoned, deleted) = (0, 0);
            foreach (var (purgeAt, guid) in _due.TakeWhile(d => d.PurgeAt <= now).ToList())
            {
                PurgeExamined++;
                var id = new MailboxId(guid);
                var entry = _entries[id];
                if (entry.Mailbox.IsTombstone)
                {
                    Remove(id, entry);
                    deleted++;
                }
                else
                {
                    var expiresAt = entry.Mailbox.ExpiresAt;
                    Put(id, Mailbox.Tombstone(id, expiresAt, Guid.NewGuid(), null), expiresAt + _retention, out _);
                    tombstoned++;
                }
            }

            return Task.FromResult(new PurgeReport(tombstoned, deleted, 0, Complete: true));
        }
    }

    /// <summary>
    /// A write conditional on the version <paramref name="mailbox"/> was read at. <paramref name="applied"/> is what else
    /// the same transaction writes, once the mailbox is; its result reaches <paramref name="answered"/> if the answer comes in time.
    /// </summary>
    private Task<WriteOutcome> ConditionalAsync(
        Mailbox mailbox, Func<Entry, (Mailbox Stored, DateTimeOffset PurgeAt)> write, CancellationToken cancellationToken,
        Func<StoreVersion>? applied = null, Action<StoreVersion>? answered = null)
    {
        // As the real store: a conditional write needs a version this store gave.
        if (mailbox.Version is not MemoryVersion)
        {
            throw new InvalidOperationException("A conditional write needs the version a read or write of this store returned.");
        }

        lock (_gate)
        {
            ThrowIfFailing(cancellationToken);
            Writes++;
            if (!_entries.TryGetValue(mailbox.Id, out var entry))
            {
                return Task.FromResult(WriteOutcome.Gone); // 404
            }

            if (mailbox.Version != entry.Version)
            {
                return Task.FromResult(WriteOutcome.Conflict); // 412
            }

            var (stored, purgeAt) = write(entry);
            stored.OperationId = mailbox.OperationId;
            Put(mailbox.Id, stored, purgeAt, out var version);
            var also = applied?.Invoke();
            if (Late())
            {
                return Task.FromResult(WriteOutcome.Conflict); // applied, then the retry's If-Match met the new version: 412
            }

            mailbox.Version = version;
            if (also is not null)
            {
                answered?.Invoke(also);
            }

            return Task.FromResult(WriteOutcome.Written);
        }
    }

    private void Put(MailboxId id, Mailbox mailbox, DateTimeOffset purgeAt, out StoreVersion version)
    {
        if (_entries.TryGetValue(id, out var old))
        {
            _due.Remove((old.PurgeAt, id.Value));
        }

        version = NextVersion();
        _entries[id] = new Entry(mailbox, version, purgeAt);
        _due.Add((purgeAt, id.Value));
    }

    private void Remove(MailboxId id, Entry entry)
    {
        _entries.Remove(id);
        _due.Remove((entry.PurgeAt, id.Value));
    }

    private MemoryVersion NextVersion() => new(++_nextVersion);

    private bool Late()
    {
        var late = _answerNextWriteLate;
        _answerNextWriteLate = false;
        return late;
    }

    private void ThrowIfFailing(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_failNext is { } failure)
        {
            _failNext = null;
            throw failure;
        }
    }

    /// <summary>What a point read in <paramref name="view"/> returns: the real store's <c>$select</c>, property by property.</summary>
    private static Mailbox Project(Mailbox m, StoreVersion version, MailboxView view)
    {
        var copy = Copy(m, version);
        return copy.IsTombstone ? copy : view switch
        {
            MailboxView.Full => copy,
            MailboxView.WithoutPayload => With(copy, view, payload: false, display: true, access: true, rest: true),
            MailboxView.Display => With(copy, view, payload: false, display: true, access: false, rest: false),
            MailboxView.Access => With(copy, view, payload: false, display: false, access: true, rest: false),
            MailboxView.Push => Push(copy),
            _ => throw new ArgumentOutOfRangeException(nameof(view)),
        };
    }

    private static Mailbox With(Mailbox m, MailboxView view, bool payload, bool display, bool access, bool rest) => new()
    {
        Id = m.Id,
        View = view,
        ExpiresAt = m.ExpiresAt,
        Payload = payload ? m.Payload : null,
        DisplayInformationJson = display ? m.DisplayInformationJson : null,
        OperationId = access ? m.OperationId : Guid.Empty,
        SenderClaimHash = access ? m.SenderClaimHash : null,
        ReceiverClaimHash = access ? m.ReceiverClaimHash : null,
        AccessRights = access ? m.AccessRights : AccessRights.None,
        SenderLastCorrelation = access ? m.SenderLastCorrelation : null,
        ReceiverLastCorrelation = access ? m.ReceiverLastCorrelation : null,
        RelinquishedClaimHash = access ? m.RelinquishedClaimHash : null,
        RelinquishedCorrelation = access ? m.RelinquishedCorrelation : null,
        CreatedAt = rest ? m.CreatedAt : default,
        SenderToken = rest ? m.SenderToken : null,
        ReceiverToken = rest ? m.ReceiverToken : null,
        PushCount = rest ? m.PushCount : 0,
        SenderLastPushAt = rest ? m.SenderLastPushAt : null,
        ReceiverLastPushAt = rest ? m.ReceiverLastPushAt : null,
        Version = m.Version,
    };

    /// <summary>What a pending push's retry reads: whether it is live, who is bound, and their tokens.</summary>
    private static Mailbox Push(Mailbox m) => new()
    {
        Id = m.Id,
        View = MailboxView.Push,
        ExpiresAt = m.ExpiresAt,
        SenderClaimHash = m.SenderClaimHash,
        ReceiverClaimHash = m.ReceiverClaimHash,
        SenderToken = m.SenderToken,
        ReceiverToken = m.ReceiverToken,
        Version = m.Version,
    };

    /// <summary>A deep copy, so that nobody holding a mailbox can change what is stored without a write.</summary>
    private static Mailbox Copy(Mailbox m, StoreVersion? version) => m.IsTombstone
        ? Mailbox.Tombstone(m.Id, m.ExpiresAt, m.OperationId, version)
        : new Mailbox
        {
            Id = m.Id, // View: Full, as storage holds everything
            SenderClaimHash = m.SenderClaimHash?.ToArray(),
            ReceiverClaimHash = m.ReceiverClaimHash?.ToArray(),
            AccessRights = m.AccessRights,
            CreatedAt = m.CreatedAt,
            ExpiresAt = m.ExpiresAt,
            DisplayInformationJson = m.DisplayInformationJson,
            Payload = m.Payload is { } p ? new SecurePayload(p.Type, p.Data.ToArray()) : null,
            SenderToken = m.SenderToken is { } s ? new SealedToken(s.Type, s.Sealed.ToArray()) : null,
            ReceiverToken = m.ReceiverToken is { } r ? new SealedToken(r.Type, r.Sealed.ToArray()) : null,
            SenderLastCorrelation = m.SenderLastCorrelation?.ToArray(),
            ReceiverLastCorrelation = m.ReceiverLastCorrelation?.ToArray(),
            RelinquishedClaimHash = m.RelinquishedClaimHash?.ToArray(),
            RelinquishedCorrelation = m.RelinquishedCorrelation?.ToArray(),
            PushCount = m.PushCount,
            SenderLastPushAt = m.SenderLastPushAt,
            ReceiverLastPushAt = m.ReceiverLastPushAt,
            OperationId = m.OperationId,
            Version = version,
        };

    private sealed record Entry(Mailbox Mailbox, StoreVersion Version, DateTimeOffset PurgeAt);

    /// <summary>This store's version: a number that every write moves on.</summary>
    private sealed record MemoryVersion(long Number) : StoreVersion;
}
