using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Creates the mailbox table at start-up (Privacy Pass's tables come with their first spend). If storage is not
/// reachable yet, the relay still starts (requests answer 503 meanwhile) and creation is retried in the background until
/// it succeeds.
/// </summary>
internal sealed partial class StorageInitializer(MailboxStore store, ILogger<StorageInitializer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.EnsureTableAsync(stoppingToken);
                LogReady(logger);
                return;
            }
            catch (StorageUnavailableException)
            {
                LogNotReachable(logger, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    [LoggerMessage(EventId = EventIds.MailboxTableReady, Level = LogLevel.Information, Message = EventIds.MailboxTableReadyMessage)]
    private static partial void LogReady(ILogger logger);

    [LoggerMessage(EventId = EventIds.StorageNotReachableYet, Level = LogLevel.Warning, Message = "Table storage is not reachable yet; retrying table creation in {Delay}.")]
    private static partial void LogNotReachable(ILogger logger, TimeSpan delay);
}
