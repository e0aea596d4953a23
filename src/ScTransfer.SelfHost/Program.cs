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

// ASP.NET Core's own per-request Information logs (request started/finished, endpoint executing/executed: eight console
// lines a request) cost CPU on every request and carry mailbox identifiers in paths; the relay logs what matters itself.
// The lowest-precedence default, as the ASP.NET Core templates' appsettings.json has it: any setting overrides it.
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
    // Every endpoint, including those --urls names: at most RateLimiting:MaxConnectionsPerClient open connections per
    // client address, so one address cannot take the places below from everybody else (docs/security.md).
    kestrel.ConfigureEndpointDefaults(listen => listen.Use(listen.ApplicationServices.GetRequiredService<ClientConnectionLimit>().Wrap));
    // Read here, while the host is built and before the settings are checked: a wrong value is reported by the check below.
    var relay = SettingsBinding.Read<RelayOptions>(context.Configuration, RelayOptions.SectionName);
    kestrel.AddServerHeader = false;
    // The relay's own reader (RequestBodyReader) refuses a body over Relay:MaxRequestBodyBytes with 413. Kestrel's limit is
    // set above it so that, after that answer, Kestrel can drain (read and discard, for at most its fixed 5 s) up to
    // 8 MiB more of what the client is still sending: closing a socket with unread data sends a TCP reset, and a
    // client still writing its body then sees "connection reset" instead of the 413 (docs/security.md, "Oversized
    // bodies"). Larger bodies are still cut off: draining them would cost more than a reset costs the client.
    kestrel.Limits.MaxRequestBodySize = relay.MaxRequestBodyBytes + (8L * 1024 * 1024);
    kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
    kestrel.Limits.MaxRequestHeaderCount = 50;
    kestrel.Limits.MaxRequestLineSize = 4 * 1024;
    // Once a request's first byte has arrived, its headers must follow within 5 s (they are one packet or two).
    kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(5);
    kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 1024, gracePeriod: TimeSpan.FromSeconds(5));
    // Every open connection holds a socket and Kestrel's buffers; without a ceiling a connection flood exhausts file
    // descriptors and memory before the per-request limits (RateLimiting) are ever consulted. 1024 is far above what
    // one instance serves at once (its storage path, not Kestrel, bounds it; docs/capacity.md). The last line: one
    // client's share of it is bounded by ClientConnectionLimit above.
    kestrel.Limits.MaxConcurrentConnections = 1024;
    kestrel.Limits.MaxConcurrentUpgradedConnections = 0; // the relay has no WebSockets or other upgrades
    // Clients make a few requests in a burst (create, then read; an update after a push) and go quiet for minutes;
    // an idle connection kept longer only holds one of the 1024 places. 10 s (Kestrel's default is 130 s) still
    // covers a burst. It is also what a connection that never sends a byte gets: Kestrel times the wait for a
    // request's first byte with the keep-alive timeout, the headers timeout only from that byte on
    // (Http1Connection.BeginRequestProcessing). Behind a proxy that keeps idle connections longer, its idle timeout
    // should be the shorter.
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
