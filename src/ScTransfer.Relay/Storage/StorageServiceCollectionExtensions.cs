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
        services.TryAddSingleton<StorageHealth>();
        services.TryAddSingleton<StorageCircuitBreaker>();
        services.TryAddSingleton<StorageConnection>();
        services.TryAddSingleton(sp => sp.GetRequiredService<StorageConnection>().CreateServiceClient());
        return services;
    }

    /// <summary>
    /// A connection string (Azurite, or an account with keys) or a table endpoint reached with a token credential;
    /// exactly one. In Azure the credential is the app's managed identity (<see cref="ManagedIdentityCredential"/>, the
    /// user-assigned one named by <c>AZURE_CLIENT_ID</c>, <see cref="StorageOptions.ManagedIdentityClientId"/>): deterministic, as the Azure SDK's guidance asks for production.
    /// <see cref="StorageCredentialKind.Default"/> (<see cref="DefaultAzureCredential"/>) is the explicit choice for a
    /// developer's workstation signed in with the Azure CLI or an IDE.
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
            // Tracing on: every storage call is a dependency span under the request's (docs/operations.md), its URL's
            // mailbox identifier redacted by the relay's telemetry. The SDK's own User-Agent on every request (telemetry),
            // prefixed with the relay's name so that storage logs show who called. Its event-source logging stays off:
            // it would carry request URLs, which name mailboxes, and nothing here reads it; content logging never.
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
