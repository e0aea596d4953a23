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
        services.AddOptions<RelayOptions>().Bind(configuration.GetSection(RelayOptions.SectionName)).ValidateDataAnnotations()
            .Validate(o => !KeyVaultReference.IsUnresolved(o.ClaimHashKey), KeyVaultReference.CannotServeWithout("Relay:ClaimHashKey"))
            .Validate(o => !KeyVaultReference.IsUnresolved(o.TokenEncryptionKey), KeyVaultReference.CannotServeWithout("Relay:TokenEncryptionKey"))
            .ValidateOnStart();
        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.SectionName))
            .Configure(storage => storage.ManagedIdentityClientId = configuration["AZURE_CLIENT_ID"])
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<RateLimitingOptions>().Bind(configuration.GetSection(RateLimitingOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<PurgeOptions>().Bind(configuration.GetSection(PurgeOptions.SectionName))
            .Configure(purge => purge.Schedule = configuration[PurgeSchedule.SettingName])
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // Both hosts refuse to start without a purge schedule the Functions host can read, rather than never purging.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PurgeOptions>, PurgeScheduleValidation>());
        services.AddOptions<PushOptions>().Bind(configuration.GetSection(PushOptions.SectionName))
            .Configure(push => push.Schedule = configuration[PushOptions.ScheduleSettingName])
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // As the purge's: without a schedule the Functions host would leave the retry timer silently "in error".
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PushOptions>, PushScheduleValidation>());
        services.AddOptions<AppLinksOptions>().Bind(configuration.GetSection(AppLinksOptions.SectionName)).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AppLinksOptions>, AppLinksValidation>());

        services.TryAddSingleton(TimeProvider.System);
        services.AddRelayMetrics();
        services.AddTableStorage();
        // The shard key follows the relay key, as the claim hashes do: both are fixed for the life of the stored data.
        services.TryAddSingleton(sp => new MailboxShards(
            sp.GetRequiredService<ClaimHasher>().DeriveKey("sct-shard-v1"u8), sp.GetRequiredService<IOptions<StorageOptions>>().Value.Shards));
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

    private sealed class PushScheduleValidation : IValidateOptions<PushOptions>
    {
        public ValidateOptionsResult Validate(string? name, PushOptions options) =>
            PurgeSchedule.TryParse(options.Schedule, PushOptions.ScheduleSettingName, "the pending-push retry", PushOptions.DefaultSchedule, out _, out var error)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(error);
    }

    private sealed class PurgeScheduleValidation : IValidateOptions<PurgeOptions>
    {
        public ValidateOptionsResult Validate(string? name, PurgeOptions options) =>
            PurgeSchedule.TryParse(options.Schedule, out _, out var error) ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error);
    }
}
