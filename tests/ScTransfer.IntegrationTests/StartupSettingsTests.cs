using System.Security.Cryptography;
using System.Text;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// A relay given wrong settings does not start, on either host (the runner, or the Functions worker under the host):
/// the process exits before serving anything, with one line that names every wrong setting and what would be right,
/// also exported as a log record to the operator's telemetry, and no line quotes a key. One process for many rules:
/// each rule has its unit tests beside its validator.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class StartupSettingsTests
{
    [Fact]
    public async Task A_relay_with_many_wrong_settings_exits_naming_every_one_in_one_line()
    {
        var shortClaimKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var shortTokenKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var hubKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var collector = OtlpReceiver.Start();
        var settings = new Dictionary<string, string>(collector.Settings)
        {
            ["Relay__PublicBaseUrl"] = "relay.example.com", // no scheme
            ["Relay__ClaimHashKey"] = shortClaimKey,
            ["Relay__TokenEncryptionKey"] = shortTokenKey,
            ["Relay__MaxPayloadBytes"] = "lots",
            ["Storage__TableEndpoint"] = "https://relay.table.core.windows.net", // beside the connection string
            ["RateLimiting__Write__PermitLimit"] = "0",
            ["Purge__TombstoneRetention"] = "1.00:00:00", // shorter than the longest lifetime, 7 days
            ["PurgeSchedule"] = "every minute",
            ["NotificationHubs__ConnectionString"] = "Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=" + hubKey,
            ["NotificationHubs__HubName"] = "relay-hub",
            ["PrivacyPass__CreateMailbox"] = "required",
            ["AppLinks__AppleAppIds"] = "com.example.wallet", // no Team ID
            ["AppLinks__AppName"] = "Example Wallet",
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RelayHost.StartAsync(settings, waitForStorage: false));

        // The refusal as logged and, from the Functions worker, as written to standard error: each time whole, in one line.
        var refusals = error.Message.Split('\n').Where(line => line.Contains("Start-up failed: the relay does not start", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(refusals);
        string[] named =
        [
            "Relay__MaxPayloadBytes must be a whole number", "Relay__PublicBaseUrl must be the relay's public URL", "Relay__ClaimHashKey is 16 bytes",
            "Relay__TokenEncryptionKey is 16 bytes", "Set exactly one of Storage__ConnectionString", "RateLimiting__Write__PermitLimit must be between 1 and",
            "The app setting PurgeSchedule is not a schedule", "Purge__TombstoneRetention is 1.00:00:00, shorter than a mailbox may live",
            "NotificationHubs__ConnectionString has no SharedAccessKeyName=", "PrivacyPass__IssuerPublicKeys is required", "PrivacyPass__IssuerName is required",
            "AppLinks__AppleAppIds: 'com.example.wallet'",
        ];
        foreach (var refusal in refusals)
        {
            Assert.Contains($"{named.Length} settings are wrong", refusal, StringComparison.Ordinal);
            Assert.All(named, setting => Assert.Contains(setting, refusal, StringComparison.Ordinal));
        }

        Assert.All([shortClaimKey, shortTokenKey, hubKey], secret => Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal));

        // Exported before the process ended (in Azure the same record goes to Application Insights, event 1004).
        await collector.WaitForAsync(
            c => c.Logs.Any(l => l.Scope == "ScTransfer.Relay.Configuration.SettingsCheck" && l.Attributes.Values.Append(l.Body).Any(v => v.Contains("Relay__ClaimHashKey is 16 bytes", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(10), "the refusal's log record");
        Assert.DoesNotContain(collector.Raw, r => Encoding.UTF8.GetString(r.Body).Contains(shortClaimKey, StringComparison.Ordinal));
        if (RelayHost.Kind == TestHostKind.SelfHost)
        {
            Assert.DoesNotContain("Now listening on", error.Message, StringComparison.Ordinal); // it never listened
        }
    }
}
