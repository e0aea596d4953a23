using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.Storage;

internal static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// The storage clients: Azure.Data.Tables' <see cref="TableServiceClient"/> (table creation, the purge, Privacy
    /// Pass nonces) and the request path's <see cref="TablePointClient"/>, both over one connection pool and one
    /// credential, process-wide singletons so connections are reused.
    /// </summary>
    public static IServiceCollection AddTableStorage(this IServiceCollection services)
    {
        services.TryAddSingleton<StorageConnection>();
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateServiceClient());
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreatePointClient());
        return services;
    }

    /// <summary>
    /// A connection string (Azurite, or an account with keys) or a table endpoint reached with the app's managed
    /// identity; exactly one. One <see cref="SocketsHttpHandler"/> for both clients, without the activity
    /// propagation (System.Net.Http's DiagnosticsHandler) nothing here reads.
    /// </summary>
    internal sealed class StorageConnection : IDisposable
    {
        private readonly StorageOptions _storage;
        private readonly TokenCredential? _credential;
        private readonly SocketsHttpHandler _handler;

        public StorageConnection(IOptions<StorageOptions> options)
        {
            _storage = options.Value;
            var hasConnectionString = !string.IsNullOrWhiteSpace(_storage.ConnectionString);
            var hasEndpoint = !string.IsNullOrWhiteSpace(_storage.TableEndpoint);
            if (hasConnectionString == hasEndpoint || (hasEndpoint && !Uri.TryCreate(_storage.TableEndpoint, UriKind.Absolute, out _)))
            {
                throw new InvalidOperationException(
                    "Set exactly one of Storage:ConnectionString (e.g. UseDevelopmentStorage=true for Azurite) and "
                    + "Storage:TableEndpoint (e.g. https://<account>.table.core.windows.net, reached with the app's managed identity).");
            }

            _credential = hasEndpoint ? new DefaultAzureCredential() : null;
            _handler = new SocketsHttpHandler
            {
                ActivityHeadersPropagator = null,
                UseCookies = false,
                AllowAutoRedirect = false,
                ConnectTimeout = _storage.NetworkTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5), // follow DNS changes of the storage endpoint
            };
        }

        public TableServiceClient CreateServiceClient()
        {
            var clientOptions = new TableClientOptions
            {
#pragma warning disable CA2000 // the transport keeps the client for the process's lifetime; the handler is shared and disposed with the container
                Transport = new HttpClientTransport(new HttpClient(_handler, disposeHandler: false)),
#pragma warning restore CA2000
            };
            clientOptions.Retry.MaxRetries = _storage.MaxRetries;
            clientOptions.Retry.Mode = RetryMode.Exponential;
            clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
            clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(1);
            clientOptions.Retry.NetworkTimeout = _storage.NetworkTimeout;
            // Payloads and claims must never reach logs, even at debug level; no distributed tracing or SDK event
            // logging is read anywhere (the relay logs outages itself, StorageOutage), so neither is paid for.
            clientOptions.Diagnostics.IsLoggingContentEnabled = false;
            clientOptions.Diagnostics.IsLoggingEnabled = false;
            clientOptions.Diagnostics.IsDistributedTracingEnabled = false;
            clientOptions.Diagnostics.IsTelemetryEnabled = false;
            return _credential is null
                ? new TableServiceClient(_storage.ConnectionString, clientOptions)
                : new TableServiceClient(new Uri(_storage.TableEndpoint!), _credential, clientOptions);
        }

        public TablePointClient CreatePointClient() => TablePointClient.Create(_storage, _handler, _credential);

        public void Dispose() => _handler.Dispose();
    }
}
