using System.Diagnostics;
using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>draft §3.2 / §6.2 / §8.2 over HTTP: the real relay process, real Azurite, the Notification Hubs stand-in.</summary>
[Collection(PushRelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class PushEndToEndTests(PushRelayFixture fixture)
{
    private const string FailingPrefix = "failing-hub-";

    // The update waits for its push at most ResponseBound (2 s); what is left is storage and HTTP on a busy machine. Still
    // well short of the hub's whole timeout (10 s), which is what an update that waited for its push would take.
    private static readonly TimeSpan UpdateBound = Relay.Push.PushOutbox.ResponseBound + TimeSpan.FromSeconds(5);

    private readonly NotificationHubStandIn _hub = fixture.Hub;
    private readonly RelayClient _relay = fixture.Client;

    [Fact]
    public async Task Stateful_exchange_notifies_each_party_once_with_its_own_token_and_nothing_else()
    {
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var senderToken = "apns-sender-" + Guid.NewGuid().ToString("N");
        var receiverToken = "fcm-receiver-" + Guid.NewGuid().ToString("N");
        var senderFirstPayload = RelayClient.RandomPayloadData();
        var receiverPayload = RelayClient.RandomPayloadData();
        var senderSecondPayload = RelayClient.RandomPayloadData();

        using (var created = await _relay.CreateAsync(
                   RelayClient.CreateBody(id, senderFirstPayload, RelayClient.Token("com.apple.apns", senderToken)), sender, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        using (var read = await _relay.ReadAsync(id, receiver))
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        Assert.Empty(_hub.ReceivedFor(senderToken)); // creating and reading notify nobody

        // The receiver stores its answer: the sender hears of it, through the sender's APNs token.
        using (var update = await _relay.UpdateAsync(id, RelayClient.UpdateBody(receiverPayload, RelayClient.Token("com.google.fcm", receiverToken)), receiver, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
            Assert.True((await RelayClient.ReadJsonAsync(update))["isPushNotificationSupported"]!.GetValue<bool>());
        }

        var toSender = Assert.Single(await _hub.WaitForAsync(senderToken));
        Assert.Empty(toSender.Problems);
        Assert.Equal("apple", toSender.Format);
        Assert.Empty(_hub.ReceivedFor(receiverToken)); // the updater itself is not notified

        // The sender answers: the receiver hears of it, through the FCM token it left with its update.
        using (var update = await _relay.UpdateAsync(id, RelayClient.UpdateBody(senderSecondPayload, RelayClient.Token("com.apple.apns", senderToken)), sender, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        var toReceiver = Assert.Single(await _hub.WaitForAsync(receiverToken));
        Assert.Empty(toReceiver.Problems);
        Assert.Equal("fcmv1", toReceiver.Format);

        await _hub.PushThroughAsync(_relay); // a stray extra push would be in by now
        Assert.Single(_hub.ReceivedFor(senderToken));
        Assert.Single(_hub.ReceivedFor(receiverToken));

        // §8.2: a push says "something changed" and nothing more.
        foreach (var push in new[] { toSender, toReceiver })
        {
            var everything = push.Body + string.Join('\n', push.Headers.Select(h => h.Key + ": " + h.Value)) + push.Query;
            foreach (var secret in new[] { senderFirstPayload, receiverPayload, senderSecondPayload, sender, receiver, id, id.Replace("-", "", StringComparison.Ordinal), "Hotel Pass", "Some Hotel Pass", "hotel.example" })
            {
                Assert.DoesNotContain(secret, everything, StringComparison.OrdinalIgnoreCase);
            }
        }

        // Neither device token nor SAS reaches the relay's logs (which run at Debug level in tests).
        Assert.DoesNotContain(fixture.Relay.LogLines, line =>
            line.Contains(senderToken, StringComparison.Ordinal) || line.Contains(receiverToken, StringComparison.Ordinal)
            || line.Contains("SharedAccessSignature sr=", StringComparison.Ordinal) || line.Contains(_hub.Key, StringComparison.Ordinal));
        Assert.Contains(fixture.Relay.LogLines, line => line.Contains("Push (com.apple.apns) accepted by Notification Hubs: 201", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_duplicate_update_sends_no_second_push()
    {
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var senderToken = "apns-sender-" + Guid.NewGuid().ToString("N");
        var receiverToken = "fcm-receiver-" + Guid.NewGuid().ToString("N");
        (await _relay.CreateAsync(RelayClient.CreateBody(id, RelayClient.RandomPayloadData(), RelayClient.Token("com.apple.apns", senderToken)), sender, RelayClient.NewId())).Dispose();
        (await _relay.ReadAsync(id, receiver)).Dispose();

        var correlationId = RelayClient.NewId();
        var body = RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.google.fcm", receiverToken));
        using (var first = await _relay.UpdateAsync(id, body, receiver, correlationId))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        await _hub.WaitForAsync(senderToken);
        using (var duplicate = await _relay.UpdateAsync(id, body, receiver, correlationId))
        {
            Assert.Equal(HttpStatusCode.Created, duplicate.StatusCode);
        }

        // A later push (sender → receiver) arrives; the duplicate's would have been sent before it.
        (await _relay.UpdateAsync(id, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.apple.apns", senderToken)), sender, RelayClient.NewId())).Dispose();
        await _hub.WaitForAsync(receiverToken);
        Assert.Single(_hub.ReceivedFor(senderToken));
    }

    [Fact]
    public async Task A_party_that_left_no_token_gets_no_push()
    {
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var receiverToken = "fcm-receiver-" + Guid.NewGuid().ToString("N");
        (await _relay.CreateAsync(RelayClient.CreateBody(id, RelayClient.RandomPayloadData(), token: null), sender, RelayClient.NewId())).Dispose();
        (await _relay.ReadAsync(id, receiver)).Dispose();

        var windowStart = DateTimeOffset.UtcNow;
        using (var update = await _relay.UpdateAsync(id, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.google.fcm", receiverToken)), receiver, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        }

        // The sender's update still reaches the receiver, which did leave a token.
        (await _relay.UpdateAsync(id, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.apple.apns", "apns-" + Guid.NewGuid().ToString("N"))), sender, RelayClient.NewId())).Dispose();
        var toReceiver = Assert.Single(await _hub.WaitForAsync(receiverToken));
        Assert.Empty(toReceiver.Problems);

        // And that is all that was sent meanwhile: a push for the first update would have come before this one (retries of
        // the failing-hub tests aside, which run in this collection too).
        Assert.Equal([toReceiver], _hub.Received.Where(push => push.At >= windowStart && !push.DeviceHandle.StartsWith(FailingPrefix, StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData(500)]
    [InlineData(NotificationHubStandIn.Hang)]
    public async Task A_failing_or_hanging_hub_never_fails_or_holds_the_update(int hubAnswer)
    {
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var senderToken = FailingPrefix + Guid.NewGuid().ToString("N");
        _hub.AnswerFor(senderToken, hubAnswer);
        (await _relay.CreateAsync(RelayClient.CreateBody(id, RelayClient.RandomPayloadData(), RelayClient.Token("com.apple.apns", senderToken)), sender, RelayClient.NewId())).Dispose();
        (await _relay.ReadAsync(id, receiver)).Dispose();

        var clock = Stopwatch.StartNew();
        using var update = await _relay.UpdateAsync(id, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.google.fcm", "fcm-" + Guid.NewGuid().ToString("N"))), receiver, RelayClient.NewId());
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.True(clock.Elapsed < UpdateBound, $"the update took {clock.Elapsed}");

        // The push was attempted, and retried, in the background.
        var attempts = await _hub.WaitForAsync(senderToken, count: 2, timeout: TimeSpan.FromSeconds(12));
        Assert.All(attempts, push => Assert.Empty(push.Problems));
    }
}
