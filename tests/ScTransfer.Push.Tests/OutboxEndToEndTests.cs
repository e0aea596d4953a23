using System.Diagnostics;
using System.Net;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.Push.Tests;

/// <summary>
/// A push the relay accepted is delivered (docs/push.md, "The outbox"), end to end with the relay's default retry
/// schedule (<c>PushRetrySchedule</c> every 10 s, waits capped at 30 s) and the Notification Hubs stand-in: through a
/// hub outage longer than the old 10 s give-up, across a relay killed mid-push, never for a mailbox deleted meanwhile,
/// and exactly once per update when nothing fails.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class OutboxEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>What the issue promised: a push arrives within a minute of the hub's recovery.</summary>
    private static readonly TimeSpan WithinAMinute = TimeSpan.FromMinutes(1);

    private NotificationHubStandIn _hub = null!;

    public Task InitializeAsync()
    {
        _hub = NotificationHubStandIn.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task A_hub_refusing_for_longer_than_the_old_give_up_gets_each_push_within_a_minute_of_its_recovery()
    {
        await using var relay = await StartAsync();
        var client = new RelayClient(relay.CreateClient());
        var plain = await StatefulAsync(client, "refused-");
        var waiting = await StatefulAsync(client, "retry-after-");
        _hub.AnswerFor(plain.SenderToken, 503);
        _hub.AnswerFor(waiting.SenderToken, 503, TimeSpan.FromSeconds(20));

        await UpdateAsync(client, plain);
        await UpdateAsync(client, waiting);
        await Task.Delay(TimeSpan.FromSeconds(15)); // the outage: longer than the old 10 s give-up (the behaviour under test)
        Assert.Empty(_hub.DeliveredFor(plain.SenderToken));
        _hub.AnswerFor(plain.SenderToken, 201);
        _hub.AnswerFor(waiting.SenderToken, 201);
        var recovered = Stopwatch.StartNew();

        await Timeouts.WaitUntilAsync(() => _hub.DeliveredFor(plain.SenderToken).Count == 1, WithinAMinute);
        var plainTook = recovered.Elapsed;
        await Timeouts.WaitUntilAsync(() => _hub.DeliveredFor(waiting.SenderToken).Count == 1, WithinAMinute - plainTook);
        output.WriteLine($"delivered {plainTook.TotalSeconds:F1} s and {recovered.Elapsed.TotalSeconds:F1} s after the hub's recovery; "
            + $"attempts: {_hub.ReceivedFor(plain.SenderToken).Count} and {_hub.ReceivedFor(waiting.SenderToken).Count}");

        // The hub's Retry-After was honoured: no attempt came sooner than it asked, however loaded the machine.
        var asked = _hub.ReceivedFor(waiting.SenderToken);
        for (var i = 1; i < asked.Count; i++)
        {
            Assert.True(asked[i].At - asked[i - 1].At >= TimeSpan.FromSeconds(19), $"attempt {i + 1} came {(asked[i].At - asked[i - 1].At).TotalSeconds:F1} s after the one before");
        }

        await PushThroughAsync(client);
        Assert.Single(_hub.DeliveredFor(plain.SenderToken)); // delivered once, not again
    }

    [Fact]
    public async Task A_relay_killed_while_its_push_is_in_flight_delivers_it_after_it_starts_again()
    {
        var first = await StartAsync();
        var client = new RelayClient(first.CreateClient());
        var mailbox = await StatefulAsync(client, "killed-");
        _hub.AnswerFor(mailbox.SenderToken, NotificationHubStandIn.Hang);

        await UpdateAsync(client, mailbox); // answered within its bound while the hub holds the push
        await _hub.WaitForAsync(mailbox.SenderToken);
        await first.DisposeAsync(); // SIGKILL, the push unanswered
        _hub.AnswerFor(mailbox.SenderToken, 201);
        var restarted = Stopwatch.StartNew();
        await using var second = await RelayHost.StartAsync(new Dictionary<string, string>(first.Settings));

        await Timeouts.WaitUntilAsync(() => _hub.DeliveredFor(mailbox.SenderToken).Count == 1, WithinAMinute);
        output.WriteLine($"delivered {restarted.Elapsed.TotalSeconds:F1} s after the relay started again");
    }

    [Fact]
    public async Task A_mailbox_deleted_while_its_push_is_pending_never_gets_it_sent()
    {
        await using var relay = await StartAsync();
        var client = new RelayClient(relay.CreateClient());
        var mailbox = await StatefulAsync(client, "deleted-");
        _hub.AnswerFor(mailbox.SenderToken, 503);

        await UpdateAsync(client, mailbox);
        await _hub.WaitForAsync(mailbox.SenderToken);
        using (var deleted = await client.DeleteAsync(mailbox.Id, mailbox.Sender))
        {
            Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        }

        // The hub still refuses while the timer finds the record's mailbox deleted and drops the record, so an attempt that
        // raced the delete could not be delivered either; once the record is gone, the hub works again.
        var records = Azurite.CreateServiceClient().GetTableClient(relay.MailboxTable);
        await Timeouts.WaitUntilAsync(async () => !await PendingAsync(records), WithinAMinute);
        _hub.AnswerFor(mailbox.SenderToken, 201);

        await Task.Delay(TimeSpan.FromSeconds(12)); // a timer run more, in which a wrong retry would come (the behaviour under test)
        await PushThroughAsync(client);
        Assert.Empty(_hub.DeliveredFor(mailbox.SenderToken));
    }

    /// <summary>Whether the outbox holds a record (a row keyed ~push~) in this table.</summary>
    private static async Task<bool> PendingAsync(Azure.Data.Tables.TableClient table)
    {
        await foreach (var _ in table.QueryAsync<Azure.Data.Tables.TableEntity>("RowKey ge '~push~' and RowKey lt '~push~~'", select: ["RowKey"]))
        {
            return true;
        }

        return false;
    }

    [Fact]
    public async Task With_a_working_hub_each_update_pushes_exactly_once_and_the_budget_holds()
    {
        await using var relay = await StartAsync(new() { ["Push__MaxPerMailbox"] = "3", ["Push__MinIntervalSeconds"] = "0" });
        var client = new RelayClient(relay.CreateClient());
        var mailbox = await StatefulAsync(client, "once-");

        for (var i = 0; i < 5; i++)
        {
            await UpdateAsync(client, mailbox);
        }

        // A record left behind would be sent again before it went away (a fourth delivery below); none left is the proof.
        var records = Azurite.CreateServiceClient().GetTableClient(relay.MailboxTable);
        await Timeouts.WaitUntilAsync(async () => !await PendingAsync(records), WithinAMinute);
        await PushThroughAsync(client);
        Assert.Equal(3, _hub.DeliveredFor(mailbox.SenderToken).Count); // one per update, up to the budget of 3
        Assert.Equal(3, _hub.ReceivedFor(mailbox.SenderToken).Count); // and never an attempt more
    }

    private Task<RelayHost> StartAsync(Dictionary<string, string>? settings = null)
    {
        var all = new Dictionary<string, string>(settings ?? [])
        {
            ["NotificationHubs__ConnectionString"] = _hub.ConnectionString,
            ["NotificationHubs__HubName"] = _hub.HubName,
            ["PushRetrySchedule"] = "*/10 * * * * *", // the default
        };
        return RelayHost.StartAsync(all);
    }

    /// <summary>A mailbox whose sender left an APNs token and whose receiver is bound.</summary>
    private static async Task<(string Id, string Sender, string Receiver, string SenderToken)> StatefulAsync(RelayClient client, string kind)
    {
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var token = kind + Guid.NewGuid().ToString("N");
        var body = RelayClient.CreateBody(id, RelayClient.RandomPayloadData(), RelayClient.Token("com.apple.apns", token));
        var correlationId = RelayClient.NewId();
        var created = await client.CreateAsync(body, sender, correlationId);
        for (var tries = 1; created.StatusCode == HttpStatusCode.ServiceUnavailable && tries < 5; tries++)
        {
            // Storage was slow to answer (a loaded machine's Azurite): retry as a phone would, with the same
            // Correlation-ID, so a create that landed late answers 200 (its own write) or 201 (a duplicate, §5).
            var after = created.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(2);
            created.Dispose();
            await Task.Delay(after);
            created = await client.CreateAsync(body, sender, correlationId);
        }

        using (created)
        {
            Assert.True(created.StatusCode is HttpStatusCode.OK or HttpStatusCode.Created, $"create answered {(int)created.StatusCode}");
        }

        using (var read = await client.ReadAsync(id, receiver))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        return (id, sender, receiver, token);
    }

    /// <summary>The receiver stores an answer: the sender is owed a push.</summary>
    private static async Task UpdateAsync(RelayClient client, (string Id, string Sender, string Receiver, string SenderToken) mailbox)
    {
        using var update = await client.UpdateAsync(
            mailbox.Id, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.google.fcm", "fcm-" + mailbox.Receiver)), mailbox.Receiver, RelayClient.NewId());
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
    }

    /// <summary>A push of its own through the relay, delivered: whatever the relay had in flight before it has gone out too.</summary>
    private async Task PushThroughAsync(RelayClient client)
    {
        var barrier = await StatefulAsync(client, "barrier-");
        await UpdateAsync(client, barrier);
        await Timeouts.WaitUntilAsync(() => _hub.DeliveredFor(barrier.SenderToken).Count == 1);
    }
}
