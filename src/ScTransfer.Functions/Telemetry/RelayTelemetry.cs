using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;
using ScTransfer.Relay.Http.Telemetry;

namespace ScTransfer.Functions.Telemetry;

/// <summary>
/// OpenTelemetry for the worker: what both hosts share, the invocation spans, and the Azure Monitor exporter when an
/// Application Insights connection string is set (docs/operations.md, "Traces").
/// </summary>
internal static class RelayTelemetry
{
    /// <summary>Set by Bicep to <c>ClientId={identity};Authorization=AAD</c>: ingestion with the managed identity, no key.</summary>
    private const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static IHostApplicationBuilder AddRelayTelemetry(this IHostApplicationBuilder builder)
    {
        var connectionString = builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"];
        var toAzureMonitor = !string.IsNullOrWhiteSpace(connectionString);
        if (!toAzureMonitor && !RelayOpenTelemetry.ExportsOtlp(builder.Configuration))
        {
            return builder;
        }

        var telemetry = builder.Services.AddRelayOpenTelemetry(builder.Configuration, tracing =>
        {
            tracing.AddSource(RelayRequestActivity.SourceName);
            // The host's traceparent carries no sampling decision to follow: record every invocation unless
            // OTEL_TRACES_SAMPLER says otherwise (docs/operations.md, "Traces").
            if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_TRACES_SAMPLER"]))
            {
                tracing.SetSampler(new AlwaysOnSampler());
            }
        }).UseFunctionsWorkerDefaults();
        if (toAzureMonitor)
        {
            var credential = EntraCredential(builder.Configuration[AuthenticationSetting]);
            var ratio = SamplingRatio(builder.Configuration);
            telemetry.UseAzureMonitorExporter(exporter =>
            {
                exporter.ConnectionString = connectionString;
                exporter.Credential = credential;
                // The exporter's own sampler keeps 5 traces a second; a ratio instead (docs/operations.md, "Traces").
                exporter.TracesPerSecond = null;
                exporter.SamplingRatio = ratio;
            });
        }

        return builder;
    }

    /// <summary>
    /// The share of traces kept: 1 (all), or <c>OTEL_TRACES_SAMPLER_ARG</c> when <c>OTEL_TRACES_SAMPLER</c> is a ratio
    /// sampler (<c>traceidratio</c>, <c>parentbased_traceidratio</c>), OpenTelemetry's standard variables.
    /// </summary>
    internal static float SamplingRatio(IConfiguration configuration) =>
        configuration["OTEL_TRACES_SAMPLER"] is "traceidratio" or "parentbased_traceidratio"
        && float.TryParse(configuration["OTEL_TRACES_SAMPLER_ARG"], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ratio)
        && ratio is >= 0 and <= 1
            ? ratio
            : 1F;

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
