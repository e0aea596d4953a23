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
    /// Azure.Data.Tables' <see cref="TableServiceClient"/> for every storage call (the request path, the purge, Privacy
    /// Pass nonces): a process-wide singleton over one connection pool, so connections are reused.
    /// </summary>
    public static IServiceCollection AddTableStorage(this IServiceCollection services)
    {
        services.TryAddSingleton(sp => new StorageHealth(
            sp.GetRequiredService<TimeProvider>(), StorageHealth.StallThresholdFor(sp.GetRequiredService<IOptions<StorageOptions>>().Value)));
        services.TryAddSingleton<StorageCircuitBreaker>();
        services.TryAddSingleton<StorageConnection>();
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateServiceClient());
        return services;
    }

    /// <summary>
    /// A connection string or a table endpoint with a token credential, exactly one: in Azure the app's managed identity,
    /// <see cref="DefaultAzureCredential"/> only when asked for (docs/design.md, "The storage client").
    /// </summary>
    internal sealed class StorageConnection : IDisposable
    {
        private readonly StorageOptions _storage;
        private readonly TokenCredential? _credential;
        private readonly SocketsHttpHandler _handler;

        private readonly StorageCircuitBreaker _breaker;

        public StorageConnection(IOptions<StorageOptions> options, StorageCircuitBreaker breaker)
        {
            _storage = options.Value;
            _breaker = breaker;
            // Exactly one of the two is set, and well formed: StorageOptionsValidator, at start-up.
            _credential = string.IsNullOrWhiteSpace(_storage.ConnectionString) ? CreateCredential(_storage.Credential, _storage.ManagedIdentityClientId) : null;
            _handler = new SocketsHttpHandler
            {
                UseCookies = false,
                AllowAutoRedirect = false,
                ConnectTimeout = _storage.NetworkTimeout,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5), // follow DNS changes of the storage endpoint
            };
        }

        public TableServiceClient CreateServiceClient()
        {
            var clientOptions = Options(_storage.MaxRetries, _storage.NetworkTimeout);
            // Every attempt passes the circuit breaker: once storage is known to be down, calls fail at once (503).
            clientOptions.AddPolicy(_breaker, HttpPipelinePosition.PerRetry);
            // The breaker's probe: one attempt, a short timeout, around the breaker (it asks whether storage is back).
            var probe = Create(Options(maxRetries: 0, networkTimeout: TimeSpan.FromSeconds(1))).GetTableClient(_storage.MailboxTable);
            _breaker.UseProbe(ct => probe.GetEntityIfExistsAsync<TableEntity>("probe", "probe", ["PartitionKey"], ct));
            return Create(clientOptions);
        }

        private TableServiceClient Create(TableClientOptions clientOptions) => _credential is null
            ? new TableServiceClient(_storage.ConnectionString!.Trim(), clientOptions)
            : new TableServiceClient(new Uri(_storage.TableEndpoint!.Trim()), _credential, clientOptions);

        private TableClientOptions Options(int maxRetries, TimeSpan networkTimeout)
        {
            var clientOptions = new TableClientOptions
            {
#pragma warning disable CA2000 // the transport keeps the client for the process's lifetime; the handler is shared and disposed with the container
                Transport = new HttpClientTransport(new HttpClient(_handler, disposeHandler: false)),
#pragma warning restore CA2000
            };
            clientOptions.Retry.MaxRetries = maxRetries;
            clientOptions.Retry.Mode = RetryMode.Exponential;
            clientOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
            clientOptions.Retry.MaxDelay = TimeSpan.FromSeconds(1);
            clientOptions.Retry.NetworkTimeout = networkTimeout;
            // Tracing on, event-source and content logging off (docs/design.md, "The storage client").
            clientOptions.Diagnostics.IsDistributedTracingEnabled = true;
            clientOptions.Diagnostics.IsTelemetryEnabled = true;
            clientOptions.Diagnostics.ApplicationId = "sct-relay";
            clientOptions.Diagnostics.IsLoggingEnabled = false;
            clientOptions.Diagnostics.IsLoggingContentEnabled = false;
            return clientOptions;
        }

        public void Dispose() => _handler.Dispose();

        private static TokenCredential CreateCredential(StorageCredentialKind kind, string? clientId) => kind switch
        {
            StorageCredentialKind.Default => new DefaultAzureCredential(),
            _ => new ManagedIdentityCredential(string.IsNullOrWhiteSpace(clientId)
                ? ManagedIdentityId.SystemAssigned
                : ManagedIdentityId.FromUserAssignedClientId(clientId)),
        };
    }
}
