using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Http.Telemetry;

/// <summary>
/// What both hosts export through OpenTelemetry, all through <see cref="TelemetryRedaction"/>: storage and push spans,
/// <see cref="RelayMetrics"/> and logs, by OTLP when configured (docs/operations.md, "Traces").
/// </summary>
internal static class RelayOpenTelemetry
{
    /// <summary>The OTLP endpoint setting (OpenTelemetry's standard environment variable).</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    public static bool ExportsOtlp(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointSetting]);

    /// <summary>
    /// The telemetry both hosts share; <paramref name="tracing"/> and <paramref name="metrics"/> add the host's own
    /// sources. With <see cref="OtlpEndpointSetting"/> set, every signal also goes out through OTLP.
    /// </summary>
    public static OpenTelemetryBuilder AddRelayOpenTelemetry(
        this IServiceCollection services,
        IConfiguration configuration,
        Action<TracerProviderBuilder>? tracing = null,
        Action<MeterProviderBuilder>? metrics = null)
    {
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName: configuration["OTEL_SERVICE_NAME"] ?? "sct-relay"))
            .WithTracing(builder =>
            {
                // Azure SDK clients (Table storage) publish ActivitySources named Azure.* once the switch
                // Azure.Experimental.EnableActivitySource is on (both projects' runtimeconfig).
                builder.AddSource("Azure.*")
                    // Pushes to Notification Hubs. The default instrumentation records method, redacted URL and status
                    // only: never add the enrichers (headers carry claims, push tokens and SAS tokens).
                    .AddHttpClientInstrumentation()
                    .AddProcessor(new TelemetryRedaction.Spans());
                tracing?.Invoke(builder);
            })
            .WithMetrics(builder =>
            {
                builder.AddMeter(RelayMetrics.MeterName).AddHttpClientInstrumentation();
                metrics?.Invoke(builder);
            })
            .WithLogging(builder => builder.AddProcessor(new TelemetryRedaction.Logs()));
        if (ExportsOtlp(configuration))
        {
            telemetry.UseOtlpExporter();
        }

        return telemetry;
    }
}
