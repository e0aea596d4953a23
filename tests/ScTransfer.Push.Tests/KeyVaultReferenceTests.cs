using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Push;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>
/// A Key Vault reference App Service could not resolve stays in the setting as literal text (docs/deploy.md, "Key Vault
/// references that do not resolve"): pushes go off with the relay still up; for the claim-hash and token-encryption
/// keys, without which the relay cannot serve, start-up fails saying so.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class KeyVaultReferenceTests
{
    private const string Unresolved = "@Microsoft.KeyVault(SecretUri=https://kv-abc.vault.azure.net/secrets/notification-hubs-connection-string)";

    [Fact]
    public async Task An_unresolved_Notification_Hubs_reference_turns_pushes_off_and_the_relay_starts()
    {
        using var host = Build(new() { ["NotificationHubs:ConnectionString"] = Unresolved, ["NotificationHubs:HubName"] = "relay" });

        await host.StartAsync();

        Assert.IsType<DisabledPushNotifier>(host.Services.GetRequiredService<IPushNotifier>());
        await host.StopAsync();
    }

    [Fact]
    public async Task A_malformed_connection_string_that_is_no_reference_still_stops_start_up()
    {
        using var host = Build(new() { ["NotificationHubs:ConnectionString"] = "Endpoint=nonsense", ["NotificationHubs:HubName"] = "relay" });

        await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
    }

    [Fact]
    public async Task An_unresolved_claim_hash_key_stops_start_up_with_what_happened()
    {
        using var host = Build(new() { ["Relay:ClaimHashKey"] = "@Microsoft.KeyVault(SecretUri=https://kv-abc.vault.azure.net/secrets/relay-claim-hash-key)" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Relay__ClaimHashKey is an unresolved Key Vault reference", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot serve without this key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("base64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unresolved_token_encryption_key_stops_start_up_with_what_happened()
    {
        using var host = Build(new() { ["Relay:TokenEncryptionKey"] = "@Microsoft.KeyVault(SecretUri=https://kv-abc.vault.azure.net/secrets/relay-token-encryption-key)" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Relay__TokenEncryptionKey is an unresolved Key Vault reference", error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot serve without this key", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("ClaimHashKey", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("base64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_keys_refuse_an_unresolved_reference_when_read_without_the_start_up_check()
    {
        // Tests and tools may decode the keys without the options validation above: the same rule, the same words.
        var options = new RelayOptions
        {
            ClaimHashKey = Convert.ToBase64String(new byte[32]),
            TokenEncryptionKey = "@Microsoft.KeyVault(VaultName=kv-abc;SecretName=relay-token-encryption-key)",
        };

        var error = Assert.Throws<InvalidOperationException>(() => RelayKeys.From(options));

        Assert.StartsWith("Relay__TokenEncryptionKey is an unresolved Key Vault reference", error.Message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Relay:PublicBaseUrl"] = "https://relay.example",
            ["Relay:ClaimHashKey"] = Convert.ToBase64String(new byte[32]),
            ["Relay:TokenEncryptionKey"] = Convert.ToBase64String(new byte[32]),
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["PurgeSchedule"] = "0 */1 * * * *",
            ["PushRetrySchedule"] = "*/10 * * * * *",
        });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSecureCredentialRelay(builder.Configuration);
        builder.Services.RemoveAll<IHostedService>(); // no tables: only the options and the push wiring are under test
        builder.Services.AddPushNotifications(builder.Configuration);
        return builder.Build();
    }
}
