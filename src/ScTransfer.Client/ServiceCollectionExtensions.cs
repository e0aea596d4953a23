using Microsoft.Extensions.DependencyInjection;

namespace ScTransfer.Client;

public static class ServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="MailboxClient"/> as a typed HttpClient (IHttpClientFactory) for the relay at
    /// <see cref="MailboxClientOptions.RelayBaseAddress"/>. Add handlers (proxies, telemetry) on the returned builder;
    /// retries with the same Mailbox-Correlation-ID are the client's own, so do not add a retrying handler.
    /// </summary>
    public static IHttpClientBuilder AddScTransferClient(this IServiceCollection services, Action<MailboxClientOptions> configure)
    {
        services.AddOptions<MailboxClientOptions>().Configure(configure)
            .Validate(o => o.RelayBaseAddress is { IsAbsoluteUri: true }, "MailboxClientOptions.RelayBaseAddress must be the relay's absolute URL.")
            .Validate(o => o.MaxAttempts >= 1, "MailboxClientOptions.MaxAttempts must be at least 1.");
        return services.AddHttpClient<MailboxClient>((provider, http) =>
            http.BaseAddress = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<MailboxClientOptions>>().Value.RelayBaseAddress);
    }
}
