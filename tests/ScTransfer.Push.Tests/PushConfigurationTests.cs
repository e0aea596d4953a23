using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>
/// The relay process without Notification Hubs settings, and with a hub that reaches one platform. Broken settings stop
/// start-up: PushSettingsTests, and end to end StartupSettingsTests (tests/ScTransfer.IntegrationTests).
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class PushConfigurationTests
{
    [Fact]
    public async Task Without_settings_the_relay_says_once_that_pushes_are_off_and_answers_as_before()
    {
        await using var relay = await RelayHost.StartAsync();
        var client = new RelayClient(relay.CreateClient());
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        using (var created = await client.CreateAsync(RelayClient.CreateBody(id, RelayClient.RandomPayloadData(), RelayClient.Token("com.apple.apns", "apns-token")), sender, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.False((await RelayClient.ReadJsonAsync(created))["isPushNotificationSupported"]!.GetValue<bool>());
        }

        (await client.ReadAsync(id, receiver)).Dispose();
        using (var update = await client.UpdateAsync(id, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.google.fcm", "fcm-token")), receiver, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
            Assert.False((await RelayClient.ReadJsonAsync(update))["isPushNotificationSupported"]!.GetValue<bool>());
        }

        // Said once where the host keeps it: under Functions, replayed in the first invocation (StartupNotices).
        Assert.Single(relay.DeliveredLogLines, line => line.Contains("Push notifications are off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_token_of_a_platform_the_hub_cannot_reach_is_answered_false_and_never_pushed()
    {
        // NotificationHubs__Platforms=apns: the hub holds APNs credentials only (docs/push.md, "Configuration").
        await using var hub = NotificationHubStandIn.Start();
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["NotificationHubs__ConnectionString"] = hub.ConnectionString,
            ["NotificationHubs__HubName"] = hub.HubName,
            ["NotificationHubs__Platforms"] = "apns",
        });
        var client = new RelayClient(relay.CreateClient());
        var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var (senderToken, receiverToken) = ("fcm-sender-" + Guid.NewGuid().ToString("N"), "apns-receiver-" + Guid.NewGuid().ToString("N"));

        // The sender's FCM token cannot be reached: it hears so at once, and will poll.
        using (var created = await client.CreateAsync(RelayClient.CreateBody(id, RelayClient.RandomPayloadData(), RelayClient.Token("com.google.fcm", senderToken)), sender, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.False((await RelayClient.ReadJsonAsync(created))["isPushNotificationSupported"]!.GetValue<bool>());
        }

        (await client.ReadAsync(id, receiver)).Dispose();

        // The receiver's reply would push to the sender's FCM token: it is stored, and no push is attempted. An update
        // waits for its push (up to 2 s), so one attempted would already be at the hub when the answer comes.
        using (var update = await client.UpdateAsync(id, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.apple.apns", receiverToken)), receiver, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
            Assert.True((await RelayClient.ReadJsonAsync(update))["isPushNotificationSupported"]!.GetValue<bool>()); // APNs is reachable
        }

        // The sender's answer goes to the receiver's APNs token, as ever.
        using (var update = await client.UpdateAsync(id, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), RelayClient.Token("com.google.fcm", senderToken)), sender, RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, update.StatusCode);
            Assert.False((await RelayClient.ReadJsonAsync(update))["isPushNotificationSupported"]!.GetValue<bool>());
        }

        Assert.Equal("apple", Assert.Single(await hub.WaitForAsync(receiverToken)).Format);
        Assert.Empty(hub.ReceivedFor(senderToken));
        Assert.Single(relay.DeliveredLogLines, line => line.Contains("for tokens of type com.apple.apns.", StringComparison.Ordinal));
    }
}
