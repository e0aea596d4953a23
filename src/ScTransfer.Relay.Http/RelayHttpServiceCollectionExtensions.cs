using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.Http;

internal static class RelayHttpServiceCollectionExtensions
{
    /// <summary>
    /// The relay's HTTP part for both hosts, the endpoint catalogue read here so a class it refuses stops start-up. Call
    /// after AddSecureCredentialRelay, which registers what these stand on.
    /// </summary>
    public static IServiceCollection AddRelayHttp(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSettings<AppLinksOptions, AppLinksValidation>(configuration, AppLinksOptions.SectionName);
        services.TryAddSingleton(EndpointCatalogue.Relay);
        services.TryAddSingleton<RelayRefusals>();
        services.TryAddSingleton<RequestBodyReader>();
        services.TryAddSingleton<ShareLinks>();
        services.TryAddSingleton<AppLinks>();
        services.TryAddSingleton<RelayHttpPolicy>();
        services.TryAddSingleton<RelayRateLimiter>();
        services.TryAddSingleton<RelayHttpPipeline>();
        services.TryAddSingleton<PrivacyPassGate>();
        return services;
    }
}
