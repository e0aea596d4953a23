using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;
using ScTransfer.Functions;
using ScTransfer.Relay.Configuration;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<RelayFunctionsMiddleware>();
builder.Services.AddSecureCredentialRelay(builder.Configuration);
builder.AddRelayTelemetry();
builder.Build().Run();
