using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Push;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Retries the pushes the hub has not taken yet (draft §3.2: each side learns of the other's update only through its
/// push), found by key in the outbox (docs/push.md). The schedule is the app setting <c>PushRetrySchedule</c> (every
/// 10 seconds by default), so a push arrives within a minute of the hub's recovery.
/// </summary>
public sealed partial class DeliverPendingPushes(PushOutbox outbox, ILogger<DeliverPendingPushes> logger)
{
    [Function(nameof(DeliverPendingPushes))]
    public async Task Run([TimerTrigger("%PushRetrySchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        try
        {
            if (await outbox.RetryDueAsync(cancellationToken) is var due and > 0)
            {
                LogRetried(logger, due);
            }
        }
        catch (StorageUnavailableException)
        {
            // Storage's outage is logged (once a minute) and counted where it happens; the next run tries again.
        }
    }

    [LoggerMessage(EventId = EventIds.PushRetryRun, Level = LogLevel.Information, Message = "Push retry: {Due} pending push(es) were due and tried again.")]
    private static partial void LogRetried(ILogger logger, int due);
}
