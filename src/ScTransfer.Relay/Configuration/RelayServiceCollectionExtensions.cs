using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.PrivacyPass;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.Configuration;

public static class RelayServiceCollectionExtensions
{
    /// <summary>
    /// The relay's core, for the Functions app and the self-hosted runner alike: options, storage, the protocol's rules,
    /// pushes and Privacy Pass verification. The HTTP part (request reading, answers, the per-request policy and rate
    /// limits) is AddRelayHttp in ScTransfer.Relay.Http.
    /// </summary>
    public static IServiceCollection AddSecureCredentialRelay(this IServiceCollection services, IConfiguration configuration)
    {
        // Every options type with its one validator, all checked before the host serves anything (SettingsCheck).
        services.AddSettings<RelayOptions, RelayOptionsValidator>(configuration, RelayOptions.SectionName);
        services.AddSettings<StorageOptions, StorageOptionsValidator>(configuration, StorageOptions.SectionName)
            .Configure(storage => storage.ManagedIdentityClientId = configuration["AZURE_CLIENT_ID"]);
        services.AddSettings<RateLimitingOptions, RateLimitingOptionsValidator>(configuration, RateLimitingOptions.SectionName);
        services.AddSettings<PurgeOptions, PurgeOptionsValidator>(configuration, PurgeOptions.SectionName)
            .Configure(purge =>
            {
                purge.Schedule = configuration[PurgeSchedule.SettingName];
                purge.LongestLifetime = TimeSpan.FromSeconds(
                    SettingsBinding.Read<RelayOptions>(configuration, RelayOptions.SectionName).MaxTimeToLiveSeconds);
            });
        services.AddSettings<PushOptions, PushOptionsValidator>(configuration, PushOptions.SectionName)
            .Configure(push => push.Schedule = configuration[PushOptions.ScheduleSettingName]);

        // The settings that need parsing, parsed by the code that validated them and handed out as values.
        services.TryAddSingleton(sp => RelayKeys.From(sp.GetRequiredService<IOptions<RelayOptions>>().Value));
        services.TryAddSingleton(sp => PublicBaseUrl.From(sp.GetRequiredService<IOptions<RelayOptions>>().Value));

        services.TryAddSingleton(TimeProvider.System);
        services.AddRelayMetrics();
        services.AddTableStorage();
        // The shard key follows the relay key, as the claim hashes do: both are fixed for the life of the stored data.
        services.TryAddSingleton(sp => new MailboxShards(
            sp.GetRequiredService<RelayKeys>().DeriveKey("sct-shard-v1"u8), sp.GetRequiredService<IOptions<StorageOptions>>().Value.Shards));
        services.TryAddSingleton<MailboxStore>();
        services.TryAddSingleton<IMailboxStore>(sp => sp.GetRequiredService<MailboxStore>());
        services.AddPushNotifications(configuration);
        services.TryAddSingleton<ClaimHasher>();
        services.TryAddSingleton<TokenCipher>();
        services.TryAddSingleton<MailboxRequestParser>();
        services.TryAddSingleton<MailboxService>();
        services.AddHostedService<StorageInitializer>();
        services.AddPrivacyPass(configuration);
        return services;
    }
}
