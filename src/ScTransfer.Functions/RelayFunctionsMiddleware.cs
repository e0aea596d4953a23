using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using ScTransfer.Functions.Telemetry;
using ScTransfer.Relay.Http;

namespace ScTransfer.Functions;

/// <summary>Runs every HTTP function of the Azure Functions worker inside <see cref="RelayHttpPipeline"/>.</summary>
internal sealed class RelayFunctionsMiddleware(RelayHttpPipeline pipeline, EndpointCatalogue functions) : IFunctionsWorkerMiddleware
{
    /// <summary>
    /// The host's own proxy in front of the worker appends what it saw to X-Forwarded-For: one hop more than the
    /// self-hosted runner has (<see cref="RelayRateLimiter.Admit"/>).
    /// </summary>
    internal const int HostHops = 1;

    /// <summary>
    /// Takes the function's answer from the invocation and leaves the worker one that writes nothing (see
    /// <see cref="WriteAnswerAsync"/>). The worker's own binding data; the unit tests' contexts, which have none, set it.
    /// </summary>
    internal Func<FunctionContext, IResult?> TakeAnswer { get; init; } = TakeInvocationResult;

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http)
        {
            await next(context); // timer triggers
            return;
        }

        var endpoint = functions.Named(context.FunctionDefinition.Name);
        var activity = RelayRequestActivity.Start(context.FunctionDefinition.Name, endpoint, http);
        try
        {
            await pipeline.InvokeAsync(http, endpoint, HostHops, async () =>
            {
                await next(context);
                await WriteAnswerAsync(context, http);
            });
        }
        finally
        {
            RelayRequestActivity.Stop(activity, http);
        }
    }

    /// <summary>
    /// Writes the function's answer here, inside the pipeline, as the self-hosted runner does, rather than leave it to
    /// the worker's FunctionsHttpProxyingMiddleware after this middleware returns: so that a failure while writing it is
    /// mapped like any other, the request's places are held until its answer is written, and the request's span records
    /// the status the client got. The worker is then handed an answer that writes nothing.
    /// </summary>
    private async Task WriteAnswerAsync(FunctionContext context, HttpContext http)
    {
        if (TakeAnswer(context) is { } answer)
        {
            await answer.ExecuteAsync(http);
        }
    }

    private static IResult? TakeInvocationResult(FunctionContext context)
    {
        var invocation = context.GetInvocationResult();
        if (invocation.Value is not IResult answer)
        {
            return null;
        }

        invocation.Value = Results.Empty;
        return answer;
    }
}
