using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.PrivacyPass;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Purges expired mailboxes (draft §8.3: "Relay server shall periodically check and delete expired mailboxes").
/// Expired mailboxes already answer 404 everywhere; this removes their content (leaving a tombstone that keeps the
/// identifier refused) and later the tombstone. The schedule is the app setting <c>PurgeSchedule</c> (NCRONTAB with
/// seconds, every minute by default); each run stops after <see cref="PurgeOptions.TimeBudget"/>.
/// </summary>
public sealed partial class PurgeExpiredMailboxes(
    IMailboxStore store, PrivacyPassRedeemer privacyPass, IOptions<PurgeOptions> options, TimeProvider time, RelayMetrics metrics, ILogger<PurgeExpiredMailboxes> logger)
{
    [Function(nameof(PurgeExpiredMailboxes))]
    public async Task Run([TimerTrigger("%PurgeSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        try
        {
            await PurgeAsync(cancellationToken);
        }
        catch (StorageUnavailableException)
        {
            // A known outage, already logged by the store (event 1104): one line, no stack trace. Nothing is lost: what
            // is due stays due, and the next run finds it.
            LogStorageUnavailable(logger);
        }
    }

    private async Task PurgeAsync(CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var report = await store.PurgeExpiredAsync(time.GetUtcNow(), options.Value.TimeBudget, cancellationToken);
        var elapsed = time.GetElapsedTime(started);
        metrics.Purged(report.Tombstoned, report.Deleted, report.Skipped, report.Complete);
        if (report.Complete)
        {
            LogPurged(logger, report.Tombstoned, report.Deleted, report.Skipped, (long)elapsed.TotalMilliseconds);
        }
        else
        {
            LogOutOfTime(logger, report.Tombstoned, report.Deleted, report.Skipped, (long)elapsed.TotalMilliseconds);
        }

        await privacyPass.ForgetClosedWindowsAsync(cancellationToken);
    }

    [LoggerMessage(EventId = EventIds.PurgeStorageUnavailable, Level = LogLevel.Warning,
        Message = "Purge: Table storage is unavailable; this run stops and the next one takes up what is due.")]
    private static partial void LogStorageUnavailable(ILogger logger);

    [LoggerMessage(EventId = EventIds.PurgeCompleted, Level = LogLevel.Information,
        Message = "Purge: {Tombstoned} expired mailboxes emptied to tombstones, {Deleted} tombstones removed, {Skipped} changed meanwhile, in {ElapsedMs} ms; nothing due is left.")]
    private static partial void LogPurged(ILogger logger, int tombstoned, int deleted, int skipped, long elapsedMs);

    [LoggerMessage(EventId = EventIds.PurgeOutOfTime, Level = LogLevel.Warning,
        Message = "Purge: {Tombstoned} expired mailboxes emptied to tombstones, {Deleted} tombstones removed, {Skipped} changed meanwhile, in {ElapsedMs} ms; the time budget ran out and the next run goes on.")]
    private static partial void LogOutOfTime(ILogger logger, int tombstoned, int deleted, int skipped, long elapsedMs);
}
