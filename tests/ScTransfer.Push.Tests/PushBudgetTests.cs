using System.Diagnostics;
using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>
/// The push budget (docs/security.md): a bound receiver looping updates cannot flood the sender's device or the
/// hub's quota. Every update is still stored and answered 200; only pushes over the budget are skipped.
/// </summary>
[Collection(PushRelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class PushBudgetTests(PushRelayFixture fixture)
{
    private static async Task<(string Id, string Receiver, string SenderToken)> BoundMailboxAsync(RelayClient relay)
    {
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var senderToken = "apns-sender-" + Guid.NewGuid().ToString("N");
        using (var created = await relay.CreateAsync(
                   RelayClient.CreateBody(id, RelayClient.RandomPayloadData(), RelayClient.Token("com.apple.apns", senderToken)), sender, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var read = await relay.ReadAsync(id, receiver))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        return (id, receiver, senderToken);
    }

    private static async Task<int> LoopUpdatesAsync(RelayClient relay, string id, string receiver, int count, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        var sent = 0;
        while (sent < count && clock.Elapsed < limit)
        {
            var body = RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.google.fcm", "fcm-receiver-loop"));
            using var update = await relay.UpdateAsync(id, body, receiver, RelayClient.NewId());
            Assert.Equal(HttpStatusCode.OK, update.StatusCode); // stored and answered, pushed or not
            sent++;
        }

        return sent;
    }

    [Fact]
    public async Task A_receiver_looping_15_updates_pushes_the_sender_at_most_once_per_two_seconds()
    {
        var (id, receiver, senderToken) = await BoundMailboxAsync(fixture.Client);

        var clock = Stopwatch.StartNew();
        var updates = await LoopUpdatesAsync(fixture.Client, id, receiver, 15, TimeSpan.FromMinutes(2));
        var elapsed = clock.Elapsed;
        await fixture.Hub.PushThroughAsync(fixture.Client); // every push of the loop is in by now

        var pushes = fixture.Hub.ReceivedFor(senderToken).Count;
        Assert.Equal(15, updates);
        Assert.InRange(pushes, 1, Math.Min(14, (int)(elapsed.TotalSeconds / 2) + 1));
    }

    [Fact]
    public async Task Without_an_interval_a_receiver_looping_60_updates_pushes_the_sender_exactly_the_budget_of_20()
    {
        await using var relayHost = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["NotificationHubs__ConnectionString"] = fixture.Hub.ConnectionString,
            ["NotificationHubs__HubName"] = fixture.Hub.HubName,
            ["Push__MinIntervalSeconds"] = "0",
        });
        var relay = new RelayClient(relayHost.CreateClient());
        var (id, receiver, senderToken) = await BoundMailboxAsync(relay);

        Assert.Equal(60, await LoopUpdatesAsync(relay, id, receiver, 60, TimeSpan.FromMinutes(5)));
        await fixture.Hub.PushThroughAsync(relay); // every push of the loop is in by now

        Assert.Equal(20, fixture.Hub.ReceivedFor(senderToken).Count);
        Assert.Contains(relayHost.LogLines, line => line.Contains("Push skipped: the mailbox's push budget is spent", StringComparison.Ordinal));
        Assert.DoesNotContain(relayHost.LogLines, line => line.Contains(senderToken, StringComparison.Ordinal));
    }
}
