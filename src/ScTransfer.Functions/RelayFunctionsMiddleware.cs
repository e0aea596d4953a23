using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using ScTransfer.Functions.Telemetry;
using ScTransfer.Relay.Http;

namespace ScTransfer.Functions;

/// <summary>Runs every HTTP function of the Azure Functions worker inside <see cref="RelayHttpPipeline"/>.</summary>
internal sealed class RelayFunctionsMiddleware(RelayHttpPipeline pipeline) : IFunctionsWorkerMiddleware
{
    /// <summary>
    /// The host's own proxy in front of the worker appends what it saw to X-Forwarded-For: one hop more than the
    /// self-hosted runner has (<see cref="RelayRateLimiter.Admit"/>).
    /// </summary>
    internal const int HostHops = 1;

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context); // timer triggers
            return;
        }

        var activity = RelayRequestActivity.Start(context.FunctionDefinition, http);
        try
        {
            await pipeline.InvokeAsync(http, context.FunctionDefinition.Name, HostHops, () => next(context));
        }
        finally
        {
            RelayRequestActivity.Stop(activity, http);
        }
    }
}
