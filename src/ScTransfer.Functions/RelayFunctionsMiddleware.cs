using System.Diagnostics.CodeAnalysis;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using ScTransfer.Relay.Http;

namespace ScTransfer.Functions;

/// <summary>Applies <see cref="RelayHttpPolicy"/> to every HTTP function in the Azure Functions host.</summary>
internal sealed class RelayFunctionsMiddleware(RelayHttpPolicy policy, RelayRateLimiter limiter) : IFunctionsWorkerMiddleware
{
    [SuppressMessage("Design", "CA1031:Do not catch general exception types",
        Justification = "The boundary of every invocation: any failure becomes a problem+json answer (never a 5xx page).")]
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        var http = context.GetHttpContext();
        if (http is null)
        {
            await next(context); // timer triggers
            return;
        }

        if (RelayHttpPolicy.BeginRequest(http) is { } early)
        {
            context.GetInvocationResult().Value = early;
            return;
        }

        // The host's own proxy appended what it saw to X-Forwarded-For: one hop more than the runner has.
        using var admission = limiter.Admit(http, context.FunctionDefinition.Name, hostHops: 1);
        if (admission.Refusal is { } refused)
        {
            context.GetInvocationResult().Value = refused;
            return;
        }

        using var scope = policy.BeginLogScope(http);
        try
        {
            await next(context);
        }
        catch (Exception ex)
        {
            context.GetInvocationResult().Value = policy.MapException(ex, http);
        }
    }
}
