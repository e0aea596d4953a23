using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Creates the relay's tables at start-up. If storage is not reachable yet, the relay still starts (requests answer
/// 503 meanwhile) and creation is retried in the background until it succeeds.
/// </summary>
public sealed class StorageInitializer(MailboxStore store, ILogger<StorageInitializer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await store.EnsureTablesAsync(stoppingToken);
                logger.LogInformation("Mailbox tables are ready.");
                return;
            }
            catch (StorageUnavailableException)
            {
                logger.LogWarning("Table storage is not reachable yet; retrying table creation in {Delay}.", delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }
}
