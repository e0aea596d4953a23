using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using ScTransfer.Functions.Telemetry;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>In Application Insights every request and its storage calls are recorded, not a few a second (docs/operations.md).</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayTelemetryTests
{
    private const string ConnectionString = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/";

    [Fact]
    public void The_Azure_Monitor_exporter_keeps_every_trace_instead_of_its_five_a_second()
    {
        var exporter = ExporterOptions([]);

        Assert.Null(exporter.TracesPerSecond);
        Assert.Equal(1F, exporter.SamplingRatio);
    }

    [Theory]
    [InlineData("traceidratio", "0.25", 0.25F)]
    [InlineData("parentbased_traceidratio", "0.1", 0.1F)]
    [InlineData("traceidratio", "2", 1F)]
    [InlineData("always_on", "0.5", 1F)]
    public void OpenTelemetrys_ratio_sampler_variables_set_the_share_kept(string sampler, string argument, float expected) =>
        Assert.Equal(expected, ExporterOptions(new() { ["OTEL_TRACES_SAMPLER"] = sampler, ["OTEL_TRACES_SAMPLER_ARG"] = argument }).SamplingRatio);

    private static AzureMonitorExporterOptions ExporterOptions(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings.Append(new("APPLICATIONINSIGHTS_CONNECTION_STRING", ConnectionString)));
        builder.AddRelayTelemetry();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptionsMonitor<AzureMonitorExporterOptions>>().Get(Options.DefaultName);
    }
}
