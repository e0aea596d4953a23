using System.Net;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// The purge as deployed: the host (the self-hosted runner's scheduler, or the Functions host's timer) runs the
/// PurgeExpiredMailboxes timer function on the PurgeSchedule setting; expired mailboxes lose their content (tombstones
/// keep their identifiers refused), tombstones leave storage after their retention, and live ones stay (draft §8.3).
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class PurgeScheduleTests
{
    [Fact]
    public async Task With_a_schedule_of_every_two_seconds_expired_mailboxes_leave_storage_and_live_ones_stay()
    {
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["PurgeSchedule"] = "*/2 * * * * *",
            ["Purge__TombstoneRetention"] = "00:00:02",
        });
        var client = new RelayClient(relay.CreateClient());
        for (var i = 0; i < 5; i++)
        {
            using var created = await client.CreateAsync(RelayClient.CreateBody(RelayClient.NewId(), timeToLive: "1"), RelayClient.NewId());
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var (live, _) = await client.CreateMailboxAsync();
        var mailboxes = Azurite.CreateServiceClient().GetTableClient(relay.MailboxTable);
        // No count of six here: on a busy machine the first tombstones can be gone before the sixth is created.
        // The purge logs below account for all five.

        // Expiry after 1 s, a tombstone for 2 s more, runs every 2 s: about 6 s; the bound leaves room for a loaded machine.
        var left = 0;
        await Timeouts.WaitUntilAsync(async () => (left = await CountAsync(mailboxes)) <= 1, TimeSpan.FromSeconds(60), () => $"{left} entities left; runs:\n{Runs(relay)}");
        var remaining = new List<string>();
        await foreach (var entity in mailboxes.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            remaining.Add(entity.RowKey);
        }

        Assert.True(remaining.SequenceEqual([live]), $"{remaining.Count} entities left, the live one {(remaining.Contains(live) ? "among them" : "missing")}; runs:\n{Runs(relay)}");

        // The runs say what they did: five emptied to tombstones, then the five tombstones removed. The console logger
        // writes from its own queue, so the last run's line may follow the storage state by a moment.
        await Timeouts.WaitUntilAsync(
            () => Sum(relay, @"Purge: (\d+) expired mailboxes emptied") >= 5 && Sum(relay, @"(\d+) tombstones removed") >= 5, TimeSpan.FromSeconds(10),
            () => "runs:\n" + Runs(relay));

        Assert.Equal(5, Sum(relay, @"Purge: (\d+) expired mailboxes emptied"));
        Assert.Equal(5, Sum(relay, @"(\d+) tombstones removed"));
        using var stillThere = await client.PreviewAsync(live);
        Assert.Equal(HttpStatusCode.OK, stillThere.StatusCode);
    }

    private static string Runs(RelayHost relay) => string.Join('\n', relay.LogLines.Where(l => l.Contains("Purge:", StringComparison.Ordinal)));

    private static int Sum(RelayHost relay, string pattern) => relay.LogLines
        .Select(l => Regex.Match(l, pattern))
        .Where(m => m.Success)
        .Sum(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));

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
