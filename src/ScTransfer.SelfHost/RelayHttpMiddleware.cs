using ScTransfer.Relay.Http;

namespace ScTransfer.SelfHost;

/// <summary>Applies <see cref="RelayHttpPolicy"/> to every request, as RelayFunctionsMiddleware does in Azure.</summary>
internal sealed class RelayHttpMiddleware(RequestDelegate next, RelayHttpPolicy policy, RelayRateLimiter limiter)
{
    public async Task InvokeAsync(HttpContext http)
    {
        if (RelayHttpPolicy.BeginRequest(http) is { } early)
        {
            await FunctionInvoker.ExecuteAsync(early, http);
            return;
        }

        // Routing has run: the endpoint's name is the function's (FunctionHostExtensions.MapHttpFunctions).
        using var admission = limiter.Admit(http, http.GetEndpoint()?.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName);
        if (admission.Refusal is { } refused)
        {
            await FunctionInvoker.ExecuteAsync(refused, http);
            return;
        }

        using var scope = policy.BeginLogScope(http);
        try
        {
            await next(http);
        }
        catch (Exception ex) when (!http.Response.HasStarted)
        {
            await FunctionInvoker.ExecuteAsync(policy.MapException(ex, http), http);
        }
    }
}
