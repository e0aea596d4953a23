using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>
/// The relay process without Notification Hubs settings. Broken ones stop start-up: PushSettingsTests, and end to end
/// StartupSettingsTests (tests/ScTransfer.IntegrationTests).
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
}
