using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.Push;

/// <summary>
/// Delivers the pushes the relay owes, at least once (docs/push.md). The update that owes a push stores its record in
/// the same write (<see cref="IMailboxStore.TryReplaceAndRecordPushAsync"/>); <see cref="DeliverNowAsync"/> then tries at
/// once and waits at most <see cref="ResponseBound"/> for it, so a slow hub never holds the device's answer; a delivered
/// or refused push clears its record off the request path. What is left (the hub down or throttling, the instance gone)
/// <see cref="RetryDueAsync"/> finds by key on the <c>PushRetrySchedule</c> timer and tries again, backing off up to
/// <see cref="PushOptions.RetryDelayCapSeconds"/> and honouring the hub's Retry-After, until it is delivered, refused
/// for good, or no longer owed: the mailbox gone or expired, or the recipient no longer bound.
/// </summary>
public sealed partial class PushOutbox : IAsyncDisposable, IDisposable
{
    /// <summary>The longest an update's response waits for its push.</summary>
    public static readonly TimeSpan ResponseBound = TimeSpan.FromSeconds(2);

    /// <summary>
    /// When a new record is first due for the timer: after the fast path's own attempt (its retries included) has had
    /// its time, so that the two do not both send it when nothing fails.
    /// </summary>
    public static readonly TimeSpan FirstRetryAfter = PushServiceCollectionExtensions.TotalTimeout + TimeSpan.FromSeconds(5);

    /// <summary>The first retry's wait after a failed attempt; doubled per attempt up to the cap.</summary>
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>The longest wait a hub's Retry-After can ask for and be honoured as it is.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(10);

    /// <summary>Pushes one timer run takes on (more wait for the next run).</summary>
    internal const int MaxPerRun = 1000;

    /// <summary>How long one timer run may try pushes before it leaves the rest to the next run.</summary>
    public static readonly TimeSpan RunBudget = TimeSpan.FromSeconds(40);

    private readonly IMailboxStore _store;
    private readonly IPushNotifier _notifier;
    private readonly TokenCipher _tokens;
    private readonly PushOptions _options;
    private readonly TimeProvider _time;
    private readonly RelayMetrics _metrics;
    private readonly ILogger<PushOutbox> _logger;
    private readonly ConcurrentDictionary<Task, bool> _inFlight = new();

    public PushOutbox(
        IMailboxStore store, IPushNotifier notifier, TokenCipher tokens, IOptions<PushOptions> options, TimeProvider time, RelayMetrics metrics, ILogger<PushOutbox> logger)
    {
        _store = store;
        _notifier = notifier;
        _tokens = tokens;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Whether pushes to this token type can be delivered (later revisions' <c>isPushNotificationSupported</c>).</summary>
    public bool CanPushTo(string tokenType) => _notifier.Supports(tokenType);

    /// <summary>The record an update stores for a push to <paramref name="recipient"/>, first due for the timer after <see cref="FirstRetryAfter"/>.</summary>
    public PendingPush Owe(MailboxId mailbox, MailboxRole recipient, byte[] recipientClaimHash)
    {
        var now = _time.GetUtcNow();
        return new PendingPush(mailbox, recipient, recipientClaimHash, now, 0, now + FirstRetryAfter);
    }

    /// <summary>
    /// The fast path, once the update and its record are stored: one attempt, awaited for at most <see cref="ResponseBound"/>;
    /// it goes on in the background (not tied to the request: the update is stored, so the push goes even if the device
    /// hangs up) and settles the record when the hub answers.
    /// </summary>
    public async Task DeliverNowAsync(PendingPush push, NotificationToken token, CancellationToken cancellationToken)
    {
        var delivery = AttemptAsync(push, token);
        _inFlight[delivery] = true;
        _ = delivery.ContinueWith(static (done, state) => ((ConcurrentDictionary<Task, bool>)state!).TryRemove(done, out _),
            _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        using var waitOver = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await Task.WhenAny(delivery, Task.Delay(ResponseBound, _time, waitOver.Token));
        await waitOver.CancelAsync();
    }

    /// <summary>
    /// The timer's run: every pending push due by now, found by key, tried again if it is still owed. Returns how many
    /// were due; records the backlog for the <c>relay.push.pending</c> and <c>relay.push.oldest_pending_age</c> gauges.
    /// </summary>
    public async Task<int> RetryDueAsync(CancellationToken cancellationToken)
    {
        // Pushes off (no hub, or no platform it can reach): no update records a push, so there is nothing to look for.
        if (!CanPushTo(NotificationToken.Apns) && !CanPushTo(NotificationToken.Fcm))
        {
            return 0;
        }

        var now = _time.GetUtcNow();
        var due = await _store.DuePushesAsync(now, MaxPerRun, cancellationToken);
        _metrics.PushesPending(due.Count, due.Count == 0 ? TimeSpan.Zero : now - due.Min(p => p.Since));

        // A hub that hangs holds each attempt for its total timeout: a run stops taking pushes at its budget, inside the
        // Functions host's one-minute function timeout, and what it did not reach stays due for the next run.
        using var budget = new CancellationTokenSource(RunBudget, _time);
        using var run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = run.Token },
                async (push, ct) => await RetryAsync(push, ct));
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
        }

        return due.Count;
    }

    /// <summary>Completes when every fast-path attempt started so far has settled.</summary>
    public Task WhenIdleAsync() => Task.WhenAll(_inFlight.Keys);

    /// <summary>On shutdown, fast-path attempts in flight get the rest of their time; what they leave, the next instance's timer finds.</summary>
    public async ValueTask DisposeAsync() =>
        await Task.WhenAny(WhenIdleAsync(), Task.Delay(PushServiceCollectionExtensions.TotalTimeout, _time));

    /// <summary>As <see cref="DisposeAsync"/>, for a container disposed synchronously.</summary>
    public void Dispose() => WhenIdleAsync().Wait(PushServiceCollectionExtensions.TotalTimeout);

    /// <summary>
    /// The wait before attempt <paramref name="attempt"/> + 1 after a failed one: <see cref="RetryDelay"/> doubled per
    /// attempt, at most the cap; never sooner than the hub's Retry-After (itself at most <see cref="MaxRetryAfter"/>).
    /// </summary>
    public static TimeSpan RetryWait(int attempt, TimeSpan? retryAfter, TimeSpan cap)
    {
        var backoff = TimeSpan.FromTicks(Math.Min(cap.Ticks, RetryDelay.Ticks << Math.Clamp(attempt - 1, 0, 20)));
        return retryAfter is { } asked && asked > backoff ? (asked < MaxRetryAfter ? asked : MaxRetryAfter) : backoff;
    }

    private async Task RetryAsync(PendingPush push, CancellationToken cancellationToken)
    {
        var mailbox = await _store.GetAsync(push.MailboxId, MailboxView.Push, cancellationToken);
        var bound = mailbox is null || mailbox.IsGoneAt(_time.GetUtcNow()) ? null
            : push.Recipient == MailboxRole.Sender ? mailbox.SenderClaimHash : mailbox.ReceiverClaimHash;
        var sealedToken = push.Recipient == MailboxRole.Sender ? mailbox?.SenderToken : mailbox?.ReceiverToken;

        // Never after the end: deleted, expired, relinquished by its recipient (or another receiver bound since).
        if (bound is null || !CryptographicOperations.FixedTimeEquals(bound, push.RecipientClaimHash)
            || _tokens.Open(push.MailboxId, push.Recipient, sealedToken) is not { } token || !_notifier.Supports(token.Type))
        {
            _metrics.Push(PushOutcome.Dropped, push.Attempts + 1);
            LogDropped(_logger, push.Attempts);
            await _store.TryRemovePushAsync(push, cancellationToken);
            return;
        }

        await SettleAsync(push, await _notifier.SendAsync(token, cancellationToken), cancellationToken);
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types",
        Justification = "A background attempt must not fault: a record it could not settle stays for the timer.")]
    private async Task AttemptAsync(PendingPush push, NotificationToken token)
    {
        await Task.Yield(); // the caller's wait starts at once, whatever the connection set-up costs
        try
        {
            await SettleAsync(push, await _notifier.SendAsync(token, CancellationToken.None), CancellationToken.None);
        }
        catch (StorageUnavailableException)
        {
            // The record could not be cleared or moved: the timer finds it when due (one more wake-up at worst).
        }
        catch (Exception exception)
        {
            LogSettleFailed(_logger, exception.GetType().Name);
        }
    }

    /// <summary>After an attempt: delivered or refused, the record goes; failed, it moves to its next due time.</summary>
    private async Task SettleAsync(PendingPush push, PushResult result, CancellationToken cancellationToken)
    {
        var attempt = push.Attempts + 1;
        switch (result.Delivery)
        {
            case PushDelivery.Delivered:
                _metrics.Push(PushOutcome.Accepted, attempt);
                await _store.TryRemovePushAsync(push, cancellationToken);
                break;
            case PushDelivery.Refused:
                _metrics.Push(PushOutcome.Refused, attempt);
                await _store.TryRemovePushAsync(push, cancellationToken);
                break;
            default:
                _metrics.Push(PushOutcome.Failed, attempt);
                var wait = RetryWait(attempt, result.RetryAfter, TimeSpan.FromSeconds(_options.RetryDelayCapSeconds));
                await _store.TryReschedulePushAsync(push, _time.GetUtcNow() + wait, cancellationToken);
                break;
        }
    }

    [LoggerMessage(EventId = EventIds.PushDropped, Level = LogLevel.Information,
        Message = "Pending push dropped after {Attempts} attempt(s): its mailbox is gone or expired, or its recipient is no longer bound.")]
    private static partial void LogDropped(ILogger logger, int attempts);

    [LoggerMessage(EventId = EventIds.PushSettleFailed, Level = LogLevel.Warning,
        Message = "A push's record could not be settled ({ExceptionType}); the retry timer finds it when due.")]
    private static partial void LogSettleFailed(ILogger logger, string exceptionType);
}
