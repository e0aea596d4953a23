using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace ScTransfer.Functions;

/// <summary>
/// OpenTelemetry for the worker, exported to Application Insights only when the app has a connection string
/// (that is, in Azure). Spans carry no request or response bodies or headers: device claims travel in headers.
/// </summary>
internal static class RelayTelemetry
{
    /// <summary>Set by Bicep to <c>ClientId={identity};Authorization=AAD</c>: ingestion with the managed identity, no key.</summary>
    private const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static IHostApplicationBuilder AddRelayTelemetry(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return builder;
        }

        var credential = EntraCredential(builder.Configuration[AuthenticationSetting]);
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing
                // Azure SDK clients (Table storage) publish ActivitySources named Azure.*; the switch
                // Azure.Experimental.EnableActivitySource is set in the project file.
                .AddSource("Azure.*")
                // The default instrumentation records method, redacted URL and status only. Do not add
                // EnrichWithHttpRequestMessage/ResponseMessage: headers carry claims and push SAS tokens.
                .AddHttpClientInstrumentation())
            .UseFunctionsWorkerDefaults()
            .UseAzureMonitorExporter(exporter =>
            {
                exporter.ConnectionString = connectionString;
                exporter.Credential = credential;
            });
        return builder;
    }

    /// <summary>The managed identity named by <c>ClientId=...;Authorization=AAD</c>, or null for key-based ingestion.</summary>
    private static ManagedIdentityCredential? EntraCredential(string? authentication)
    {
        if (string.IsNullOrWhiteSpace(authentication)
            || !authentication.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var clientId = authentication.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .FirstOrDefault(pair => pair.Length == 2 && pair[0].Equals("ClientId", StringComparison.OrdinalIgnoreCase))?[1];
        return new ManagedIdentityCredential(string.IsNullOrEmpty(clientId)
            ? ManagedIdentityId.SystemAssigned
            : ManagedIdentityId.FromUserAssignedClientId(clientId));
    }
}
