using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Http.Telemetry;
using ScTransfer.SelfHost;

// The self-hosted relay: the function classes the Functions app runs (ScTransfer.Relay.Http), on Kestrel.
var builder = WebApplication.CreateSlimBuilder(args);

// ASP.NET Core's per-request Information logs cost CPU and carry mailbox identifiers in paths: Warning, as the lowest-
// precedence default (as the templates' appsettings.json has it), so any setting overrides it.
builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
{
    InitialData = [new("Logging:LogLevel:Microsoft.AspNetCore", "Warning")],
});
var settingsFile = builder.Configuration["LocalSettings"];
if (settingsFile is not null)
{
    // Lower precedence than environment variables and the command line, which are re-added after it.
    builder.Configuration.AddFunctionsLocalSettings(settingsFile);
    builder.Configuration.AddEnvironmentVariables();
    builder.Configuration.AddCommandLine(args);
}

// The function classes of ScTransfer.Relay.Http, read from their [Function] attributes as Azure reads them.
var functions = EndpointCatalogue.Relay;
builder.Services.AddSecureCredentialRelay(builder.Configuration).AddRelayHttp(builder.Configuration);
builder.Services.AddTimerFunctions(functions);
if (RelayOpenTelemetry.ExportsOtlp(builder.Configuration))
{
    // Self-hosters send traces, metrics and logs to their own collector with the standard OTEL_* variables.
    builder.Services.AddRelayOpenTelemetry(
        builder.Configuration,
        tracing => tracing.AddAspNetCoreInstrumentation(),
        metrics => metrics.AddAspNetCoreInstrumentation());
}

builder.Services.AddSingleton<ClientConnectionLimit>();
builder.WebHost.ConfigureKestrel((context, kestrel) =>
{
    // Every endpoint, including those --urls names (docs/security.md, "Idle connections").
    kestrel.ConfigureEndpointDefaults(listen => listen.Use(listen.ApplicationServices.GetRequiredService<ClientConnectionLimit>().Wrap));
    // Read here, while the host is built and before the settings are checked: a wrong value is reported by the check below.
    var relay = SettingsBinding.Read<RelayOptions>(context.Configuration, RelayOptions.SectionName);
    kestrel.AddServerHeader = false;
    // 8 MiB above the relay's own limit, so Kestrel can drain a body after its 413 rather than reset the connection
    // (docs/security.md, "Oversized bodies").
    kestrel.Limits.MaxRequestBodySize = relay.MaxRequestBodyBytes + (8L * 1024 * 1024);
    kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
    kestrel.Limits.MaxRequestHeaderCount = 50;
    kestrel.Limits.MaxRequestLineSize = 4 * 1024;
    // Once a request's first byte has arrived, its headers must follow within 5 s (they are one packet or two).
    kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
    kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 1024, gracePeriod: TimeSpan.FromSeconds(5));
    // The last line against a connection flood; one client's share is ClientConnectionLimit's (docs/security.md).
    kestrel.Limits.MaxConcurrentConnections = 1024;
    kestrel.Limits.MaxConcurrentUpgradedConnections = 0; // the relay has no WebSockets or other upgrades
    // Also the wait for a request's first byte (docs/security.md, "Idle connections").
    kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(10);
});

var app = builder.Build();
// Every setting is checked before anything listens; wrong ones stop start-up with one message naming each (logged).
if (SettingsCheck.Refuses(app.Services))
{
    await app.DisposeAsync();
    return 1;
}

app.UseMiddleware<RelayHttpMiddleware>();
app.MapHttpFunctions(functions, Path.Combine(AppContext.BaseDirectory, "host.json"));
await app.RunAsync();
return 0;
