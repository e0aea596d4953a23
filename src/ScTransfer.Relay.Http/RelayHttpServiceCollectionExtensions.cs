using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.Http;

internal static class RelayHttpServiceCollectionExtensions
{
    /// <summary>
    /// The relay's HTTP part, for both hosts (the Functions worker and the self-hosted runner): the catalogue of its
    /// functions (read here, so that a function class it refuses stops start-up), the body reader, share
    /// links and app links (with their settings, <c>AppLinks__*</c>, checked at start-up like the core's), the
    /// per-request policy and pipeline, the rate limiter, the refusal counter and the Privacy Pass gate. Call after
    /// AddSecureCredentialRelay (ScTransfer.Relay), which registers what these stand on.
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
