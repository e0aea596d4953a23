using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ScTransfer.Functions;
using ScTransfer.Functions.Telemetry;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Http;

var builder = FunctionsApplication.CreateBuilder(args);

// As on the self-hosted runner: ASP.NET Core's per-request Information logs carry mailbox identifiers in paths (and
// in Azure the worker's OpenTelemetry exporter would send them); the lowest-precedence default, any setting overrides it.
builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = [new("Logging:LogLevel:Microsoft.AspNetCore", "Warning")],
});
builder.ConfigureFunctionsWebApplication();

// The worker's Kestrel sits behind the host; its Server header would leak through the host's proxy.
builder.Services.Configure<KestrelServerOptions>(kestrel => kestrel.AddServerHeader = false);

// Start-up notices logged outside an invocation are dropped by the host: record them, replay them in the next one.
#pragma warning disable CA2000 // the logging factory owns (and disposes) the provider it is given
var startupNotices = new StartupNotices();
#pragma warning restore CA2000
builder.Services.AddSingleton(startupNotices);
builder.Logging.AddProvider(startupNotices);
builder.UseMiddleware<StartupNoticeReplay>();
builder.UseMiddleware<RelayFunctionsMiddleware>();
builder.Services.AddSecureCredentialRelay(builder.Configuration).AddRelayHttp(builder.Configuration);
builder.AddRelayTelemetry();
var host = builder.Build();
// Every setting is checked before the worker connects to the host. Wrong ones stop start-up with one message naming
// each: logged (and exported to Application Insights), and written to standard error, which the host quotes when it
// records the worker's exit (docs/deploy.md, "A start-up refused for its settings").
if (SettingsCheck.Refuses(host.Services, Console.Error))
{
    host.Dispose();
    return 1;
}

await host.RunAsync();
return 0;
