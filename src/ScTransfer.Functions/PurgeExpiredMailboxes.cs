using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.PrivacyPass;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Functions;

/// <summary>
/// Deletes expired mailboxes (draft §8.3: "Relay server shall periodically check and delete expired mailboxes").
/// Expired mailboxes already answer 404 everywhere; this removes their every trace. The schedule is the app setting
/// <c>PurgeSchedule</c> (NCRONTAB with seconds). Each run is bounded by <see cref="PurgeOptions.BatchSize"/>.
/// </summary>
public sealed class PurgeExpiredMailboxes(
    IMailboxStore store, IOptions<PurgeOptions> options, TimeProvider time, ILogger<PurgeExpiredMailboxes> logger, SpentNonceStore spentTokens)
{
    [Function(nameof(PurgeExpiredMailboxes))]
    public async Task Run([TimerTrigger("%PurgeSchedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        var report = await store.PurgeExpiredAsync(time.GetUtcNow(), options.Value.BatchSize, cancellationToken);
        logger.LogInformation(
            "Purge: {Purged} expired mailboxes deleted, {Cleared} expiry entries cleared, {Remaining}{More} left for the next run.",
            report.Purged, report.IndexEntriesRemoved, report.Remaining, report.Remaining >= MailboxStore.RemainingCountLimit ? "+" : "");

        // Privacy Pass: spent-nonce tables of challenge windows that closed go whole.
        await spentTokens.PurgeAsync(time.GetUtcNow(), cancellationToken);
    }
}
