using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.PrivacyPass;

public static class PrivacyPassServiceCollectionExtensions
{
    /// <summary>Privacy Pass settings (validated at start: a bad key stops the relay with a message naming it) and the token redemption.</summary>
    public static IServiceCollection AddPrivacyPass(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<PrivacyPassOptions, PrivacyPassOptionsValidator>(configuration, PrivacyPassOptions.SectionName);
        services.TryAddSingleton<PrivacyPassPolicy>();
        services.TryAddSingleton<SpentNonceStore>();
        services.TryAddSingleton<PrivacyPassRedeemer>();
        return services;
    }
}
