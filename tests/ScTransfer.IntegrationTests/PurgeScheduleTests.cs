using System.Net;
using Azure.Data.Tables;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// The purge as deployed: the host (the self-hosted runner's scheduler, or the Functions host's timer) runs the
/// PurgeExpiredMailboxes timer function on the PurgeSchedule setting, and expired mailboxes vanish from storage entirely while live ones stay (draft §8.3).
/// </summary>
public sealed class PurgeScheduleTests
{
    [Fact]
    public async Task With_a_schedule_of_every_two_seconds_expired_mailboxes_leave_storage_and_live_ones_stay()
    {
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string> { ["PurgeSchedule"] = "*/2 * * * * *" });
        var client = new RelayClient(relay.CreateClient());
        var expiring = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = RelayClient.NewId();
            using var created = await client.CreateAsync(RelayClient.CreateBody(id, timeToLive: "1"), RelayClient.NewId());
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            expiring.Add(id);
        }

        var (live, _) = await client.CreateMailboxAsync();
        var service = Azurite.CreateServiceClient();
        var mailboxes = service.GetTableClient(relay.MailboxTable);
        var index = service.GetTableClient(relay.ExpiryTable);
        // No count of six here: on a busy machine the first bucket can pass, and be purged, before the sixth is created.
        // The purge logs below account for all five.

        // Expiry buckets are 10 s wide and a bucket is purged once it has wholly passed: allow two buckets and a run.
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (await CountAsync(mailboxes) > 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        var remaining = new List<string>();
        await foreach (var entity in mailboxes.QueryAsync<TableEntity>(select: ["PartitionKey"]))
        {
            remaining.Add(entity.PartitionKey);
        }

        Assert.Equal([live], remaining);
        Assert.Equal(1, await CountAsync(index)); // only the live mailbox's index entry is left
        // The runs say what they did; the five may straddle two buckets and so two runs.
        var purged = relay.LogLines
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"Purge: (\d+) expired mailboxes deleted"))
            .Where(m => m.Success)
            .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(5, purged);
        using var stillThere = await client.PreviewAsync(live);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    private static async Task<int> CountAsync(TableClient table)
    {
        var count = 0;
        await foreach (var _ in table.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            count++;
        }

        return count;
    }
}
