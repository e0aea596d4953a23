using System.Net;
using System.Text.RegularExpressions;
using Azure.Data.Tables;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// The purge as deployed: the host (the self-hosted runner's scheduler, or the Functions host's timer) runs the
/// PurgeExpiredMailboxes timer function on the PurgeSchedule setting; expired mailboxes lose their content (tombstones
/// keep their identifiers refused), tombstones leave storage after their retention, and live ones stay (draft §8.3); a
/// run during a storage outage says so in one line.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed partial class PurgeScheduleTests
{
    [Fact]
    public async Task With_a_schedule_of_every_two_seconds_expired_mailboxes_leave_storage_and_live_ones_stay()
    {
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["PurgeSchedule"] = "*/2 * * * * *",
            // The shortest retention the relay takes: at least the longest lifetime, which is at least a minute.
            ["Relay__MaxTimeToLiveSeconds"] = "60",
            ["Relay__DefaultTimeToLiveSeconds"] = "60",
            ["Purge__TombstoneRetention"] = "00:01:00",
        });
        var client = new RelayClient(relay.CreateClient());
        for (var i = 0; i < 5; i++)
        {
            using var created = await client.CreateAsync(RelayClient.CreateBody(RelayClient.NewId(), timeToLive: "1"), RelayClient.NewId());
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        var mailboxes = Azurite.CreateServiceClient().GetTableClient(relay.MailboxTable);

        // Expiry after 1 s, a tombstone for 60 s more, runs every 2 s: about 63 s; the bound leaves room for a loaded machine.
        var left = 0;
        await Timeouts.WaitUntilAsync(async () => (left = await CountAsync(mailboxes)) == 0, TimeSpan.FromSeconds(180), () => $"{left} entities left; runs:\n{RunLines(relay)}");

        // A live mailbox, created only now (created with the five, its own minute would end with their retention), stays
        // through two more runs: the second of them began after it was created.
        var live = RelayClient.NewId();
        await client.CreateMailboxAsync(RelayClient.CreateBody(live, timeToLive: "60"), RelayClient.NewId());
        var runsBefore = Runs(relay);
        await Timeouts.WaitUntilAsync(() => Runs(relay) >= runsBefore + 2, TimeSpan.FromSeconds(60), () => RunLines(relay));

        var remaining = new List<string>();
        await foreach (var entity in mailboxes.QueryAsync<TableEntity>(select: ["RowKey"]))
        {
            remaining.Add(entity.RowKey);
        }

        await DueIndexAudit.AssertConsistentAsync(mailboxes); // the live one and its index row, nothing else
        remaining.RemoveAll(row => row.StartsWith('~'));
        Assert.True(remaining.SequenceEqual([live]), $"{remaining.Count} entities left, the live one {(remaining.Contains(live) ? "among them" : "missing")}; runs:\n{RunLines(relay)}");

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

    private static int Runs(RelayHost relay) => relay.LogLines.Count(l => l.Contains("Purge:", StringComparison.Ordinal));

    [Fact]
    public async Task While_storage_is_down_each_run_says_so_in_one_line_and_no_stack_trace()
    {
        using var azurite = DedicatedAzurite.Start();
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = azurite.ConnectionString,
            ["Storage__NetworkTimeout"] = "00:00:01",
            ["Storage__MaxRetries"] = "0",
            ["PurgeSchedule"] = "*/2 * * * * *",
        });

        azurite.Kill();

        // Two runs into the outage (a schedule of every 2 s: about 4 s; the bound leaves room for a loaded machine).
        const string Outage = "Purge: Table storage is unavailable; this run stops and the next one takes up what is due.";
        await Timeouts.WaitUntilAsync(
            () => relay.LogLines.Count(l => l.Contains(Outage, StringComparison.Ordinal)) >= 2, TimeSpan.FromSeconds(90), () => string.Join('\n', relay.LogLines));

        var lines = relay.LogLines.ToList();
        Assert.DoesNotContain(lines, l => StackFrame().IsMatch(l));
        Assert.DoesNotContain(lines, l => l.Contains("Timer function PurgeExpiredMailboxes failed", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("StorageUnavailableException", StringComparison.Ordinal));
    }

    private static string RunLines(RelayHost relay) => string.Join('\n', relay.LogLines.Where(l => l.Contains("Purge:", StringComparison.Ordinal)));

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

    /// <summary>A .NET stack frame as a logger prints an exception: "   at Namespace.Type.Method(...)".</summary>
    [GeneratedRegex(@"^\s*at [\w.`<>+]+\(", RegexOptions.CultureInvariant)]
    private static partial Regex StackFrame();
}
