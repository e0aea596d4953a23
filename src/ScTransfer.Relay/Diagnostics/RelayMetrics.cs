using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ScTransfer.Relay.Diagnostics;

/// <summary>
/// The relay's own instruments, on the <see cref="MeterName"/> meter: what happened, counted, so that an operator can
/// chart and alert on numbers rather than on log wording. Every tag has a handful of fixed values (never an identifier,
/// an address or anything a client chose), so each instrument has a few series at most. Exported to Azure Monitor in
/// Azure and through OTLP where <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set (docs/operations.md).
/// </summary>
/// <remarks>Names follow OpenTelemetry's conventions: dotted, lower case, no unit or <c>_total</c> suffix in the name.</remarks>
public sealed class RelayMetrics
{
    public const string MeterName = "ScTransfer.Relay";

    public const string MailboxesCreated = "relay.mailboxes.created";
    public const string ReceiversBound = "relay.receivers.bound";
    public const string MailboxesUpdated = "relay.mailboxes.updated";
    public const string MailboxesDeleted = "relay.mailboxes.deleted";
    public const string MailboxesRelinquished = "relay.mailboxes.relinquished";
    public const string RequestsRefused = "relay.requests.refused";
    public const string Pushes = "relay.pushes";
    public const string PendingPushes = "relay.push.pending";
    public const string OldestPendingPushAge = "relay.push.oldest_pending_age";
    public const string StorageUnavailable = "relay.storage.unavailable";
    public const string PurgeEntities = "relay.purge.entities";
    public const string PurgeRuns = "relay.purge.runs";

    /// <summary>Tag of <see cref="RequestsRefused"/>: one of <see cref="RefusalReason"/>'s values.</summary>
    public const string ReasonTag = "relay.refusal.reason";

    /// <summary>Tag of <see cref="Pushes"/>: one of <see cref="PushOutcome"/>'s values.</summary>
    public const string PushOutcomeTag = "relay.push.outcome";

    /// <summary>Tag of <see cref="Pushes"/> for attempts: <c>1</c>, <c>2</c>, <c>3</c> or <c>4+</c> (absent for a push skipped by the budget).</summary>
    public const string PushAttemptTag = "relay.push.attempt";

    /// <summary>Tag of <see cref="PurgeEntities"/>: <c>tombstoned</c>, <c>deleted</c> or <c>skipped</c>.</summary>
    public const string PurgeActionTag = "relay.purge.action";

    /// <summary>Tag of <see cref="PurgeRuns"/>: <c>complete</c> or <c>out_of_time</c>.</summary>
    public const string PurgeOutcomeTag = "relay.purge.outcome";

    /// <summary>
    /// Tag of <see cref="StorageUnavailable"/>: <c>failed</c> (storage did not answer in time, or failed), <c>breaker_open</c>
    /// (answered at once: storage is known to be down) or <c>stalled</c> (the relay's places are all held by requests
    /// waiting on storage that has stopped answering: 503, not 429).
    /// </summary>
    public const string StorageCauseTag = "relay.storage.cause";

    private readonly Counter<long> _created;
    private readonly Counter<long> _bound;
    private readonly Counter<long> _updated;
    private readonly Counter<long> _deleted;
    private readonly Counter<long> _relinquished;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _pushes;
    private readonly Counter<long> _unavailable;
    private readonly Counter<long> _purgeEntities;
    private readonly Counter<long> _purgeRuns;
    private long _pendingPushes;
    private long _oldestPendingPushSeconds;

    public RelayMetrics(IMeterFactory meterFactory)
    {
        // The factory owns the meter (it disposes it with the container) and hands the same one to every caller.
#pragma warning disable CA2000
        var meter = meterFactory.Create(MeterName);
#pragma warning restore CA2000
        _created = meter.CreateCounter<long>(MailboxesCreated, "{mailbox}", "Mailboxes created (CreateMailbox answered 200).");
        _bound = meter.CreateCounter<long>(ReceiversBound, "{receiver}", "Receivers bound to a mailbox by their first ReadSecureContent.");
        _updated = meter.CreateCounter<long>(MailboxesUpdated, "{update}", "UpdateMailbox requests applied (200; duplicates are not counted).");
        _deleted = meter.CreateCounter<long>(MailboxesDeleted, "{mailbox}", "Mailboxes deleted (DeleteMailbox answered 200).");
        _relinquished = meter.CreateCounter<long>(MailboxesRelinquished, "{mailbox}", "Receivers that relinquished their binding (RelinquishMailbox answered 200).");
        _refused = meter.CreateCounter<long>(RequestsRefused, "{request}", "Requests refused before any storage work, by reason (rate limits, concurrency, Privacy Pass, size).");
        _pushes = meter.CreateCounter<long>(Pushes, "{push}", "Push attempts by outcome and attempt: accepted or refused by Notification Hubs, failed (retried later), dropped (no longer owed), or skipped by the push budget.");
        meter.CreateObservableGauge(PendingPushes, () => Volatile.Read(ref _pendingPushes), "{push}",
            "Pending pushes the last retry run found due (the hub has not taken them yet).");
        meter.CreateObservableGauge(OldestPendingPushAge, () => Volatile.Read(ref _oldestPendingPushSeconds), "s",
            "Age of the oldest pending push the last retry run found, from its update: how late the slowest push is.");
        _unavailable = meter.CreateCounter<long>(StorageUnavailable, "{request}", "Requests answered 503 because Table storage was unavailable.");
        _purgeEntities = meter.CreateCounter<long>(PurgeEntities, "{entity}", "Entities the purge acted on, by action.");
        _purgeRuns = meter.CreateCounter<long>(PurgeRuns, "{run}", "Purge runs, by whether they finished or ran out of their time budget.");
    }

    public void MailboxCreated() => _created.Add(1);

    public void ReceiverBound() => _bound.Add(1);

    public void MailboxUpdated() => _updated.Add(1);

    public void MailboxDeleted() => _deleted.Add(1);

    public void MailboxRelinquished() => _relinquished.Add(1);

    public void Refused(RefusalReason reason) => _refused.Add(1, new KeyValuePair<string, object?>(ReasonTag, Name(reason)));

    public void Push(PushOutcome outcome) => _pushes.Add(1, new KeyValuePair<string, object?>(PushOutcomeTag, Name(outcome)));

    /// <summary>An attempt's outcome, tagged with which attempt it was.</summary>
    public void Push(PushOutcome outcome, int attempt) => _pushes.Add(
        1, new KeyValuePair<string, object?>(PushOutcomeTag, Name(outcome)), new KeyValuePair<string, object?>(PushAttemptTag, attempt switch
        {
            1 => "1",
            2 => "2",
            3 => "3",
            _ => "4+",
        }));

    /// <summary>What the last retry run found due: how many, and the oldest one's age.</summary>
    public void PushesPending(int count, TimeSpan oldest)
    {
        Volatile.Write(ref _pendingPushes, count);
        Volatile.Write(ref _oldestPendingPushSeconds, (long)oldest.TotalSeconds);
    }

    public void StorageUnavailableAnswered(StorageUnavailableCause cause) =>
        _unavailable.Add(1, new KeyValuePair<string, object?>(StorageCauseTag, cause switch
        {
            StorageUnavailableCause.BreakerOpen => "breaker_open",
            StorageUnavailableCause.Stalled => "stalled",
            _ => "failed",
        }));

    public void Purged(int tombstoned, int deleted, int skipped, bool complete)
    {
        Add(_purgeEntities, tombstoned, PurgeActionTag, "tombstoned");
        Add(_purgeEntities, deleted, PurgeActionTag, "deleted");
        Add(_purgeEntities, skipped, PurgeActionTag, "skipped");
        _purgeRuns.Add(1, new KeyValuePair<string, object?>(PurgeOutcomeTag, complete ? "complete" : "out_of_time"));
    }

    private static void Add(Counter<long> counter, int value, string tag, string tagValue)
    {
        if (value > 0)
        {
            counter.Add(value, new KeyValuePair<string, object?>(tag, tagValue));
        }
    }

    /// <summary>The tag value of a refusal reason (snake case, as OpenTelemetry attribute values are).</summary>
    public static string Name(RefusalReason reason) => reason switch
    {
        RefusalReason.RateLimitCreate => "rate_limit.create",
        RefusalReason.RateLimitCreateWithToken => "rate_limit.create_with_token",
        RefusalReason.RateLimitWrite => "rate_limit.write",
        RefusalReason.RateLimitRead => "rate_limit.read",
        RefusalReason.InstanceConcurrency => "concurrency.instance",
        RefusalReason.ClientConcurrency => "concurrency.client",
        RefusalReason.ClientConnections => "connections.client",
        RefusalReason.BodyTooSlow => "body.too_slow",
        RefusalReason.PrivacyPass => "privacy_pass",
        RefusalReason.TooLarge => "size",
        _ => throw new UnreachableException(),
    };

    public static string Name(PushOutcome outcome) => outcome switch
    {
        PushOutcome.Accepted => "accepted",
        PushOutcome.Refused => "refused",
        PushOutcome.Failed => "failed",
        PushOutcome.SkippedByBudget => "skipped_budget",
        PushOutcome.Dropped => "dropped",
        _ => throw new UnreachableException(),
    };
}

/// <summary>Why a request was refused before the relay did any storage work (<see cref="RelayMetrics.RequestsRefused"/>).</summary>
public enum RefusalReason
{
    /// <summary>429: the client's CreateMailbox bucket is spent.</summary>
    RateLimitCreate,

    /// <summary>429: the client's bucket for creates with a Privacy Pass token is spent.</summary>
    RateLimitCreateWithToken,

    /// <summary>429: the client's update/relinquish/delete bucket is spent.</summary>
    RateLimitWrite,

    /// <summary>429: the client's read/preview bucket is spent.</summary>
    RateLimitRead,

    /// <summary>429: the instance serves as many requests as it may at once.</summary>
    InstanceConcurrency,

    /// <summary>429: this client (or its IPv6 /56 or /48) already has as many requests in progress as it may.</summary>
    ClientConcurrency,

    /// <summary>A connection closed at once: this client (or its IPv6 /56 or /48) already holds as many open connections as it may (self-hosted runner).</summary>
    ClientConnections,

    /// <summary>408: the request body did not arrive within the time the relay allows a body.</summary>
    BodyTooSlow,

    /// <summary>401: a Privacy Pass token was required and missing or refused.</summary>
    PrivacyPass,

    /// <summary>413: the body or one of its parts is larger than the relay accepts.</summary>
    TooLarge,
}

/// <summary>Why a request was answered 503 for want of storage (<see cref="RelayMetrics.StorageUnavailable"/>).</summary>
public enum StorageUnavailableCause
{
    /// <summary>Storage failed or did not answer within the client's timeouts and retries.</summary>
    Failed,

    /// <summary>Answered at once: the circuit breaker knows storage is down.</summary>
    BreakerOpen,

    /// <summary>No place was free because the requests holding them wait on storage that has stopped answering.</summary>
    Stalled,
}

/// <summary>What became of a push (<see cref="RelayMetrics.Pushes"/>).</summary>
public enum PushOutcome
{
    /// <summary>Notification Hubs accepted it (2xx).</summary>
    Accepted,

    /// <summary>Notification Hubs refused it (4xx); not retried.</summary>
    Refused,

    /// <summary>No answer, a timeout or 5xx after the attempt's bounded retries: tried again later.</summary>
    Failed,

    /// <summary>Not sent: the mailbox's push budget was spent or the recipient was pushed to moments ago.</summary>
    SkippedByBudget,

    /// <summary>A pending push no longer owed, given up unsent: its mailbox is gone or expired, or its recipient no longer bound.</summary>
    Dropped,
}

public static class RelayMetricsServiceCollectionExtensions
{
    /// <summary>The meter factory and <see cref="RelayMetrics"/>, once, for whichever part of the relay needs them first.</summary>
    public static IServiceCollection AddRelayMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<RelayMetrics>();
        return services;
    }
}
