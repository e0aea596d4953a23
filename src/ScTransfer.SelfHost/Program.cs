using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration.Memory;
using ScTransfer.Functions;
using ScTransfer.Relay.Configuration;
using ScTransfer.SelfHost;

// The self-hosted relay: the Functions app's own function classes on Kestrel.
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

builder.Services.AddSecureCredentialRelay(builder.Configuration);
builder.Services.AddTimerFunctions(typeof(CreateMailbox).Assembly);
builder.WebHost.ConfigureKestrel((context, kestrel) =>
{
    var relay = context.Configuration.GetSection(RelayOptions.SectionName).Get<RelayOptions>() ?? new RelayOptions();
    kestrel.AddServerHeader = false;
    kestrel.Limits.MaxRequestBodySize = relay.MaxRequestBodyBytes;
    kestrel.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
    kestrel.Limits.MaxRequestHeaderCount = 50;
    kestrel.Limits.MaxRequestLineSize = 4 * 1024;
    kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
    kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 1024, gracePeriod: TimeSpan.FromSeconds(5));
});

var app = builder.Build();
app.MapHttpFunctions(typeof(CreateMailbox).Assembly, Path.Combine(AppContext.BaseDirectory, "host.json"));
app.Run();

/// <summary>Visible to the tests' host fixture.</summary>
public partial class Program;
