using ScTransfer.Relay.Http;

namespace ScTransfer.SelfHost;

/// <summary>Runs every request inside <see cref="RelayHttpPipeline"/>, as RelayFunctionsMiddleware does in Azure.</summary>
internal sealed class RelayHttpMiddleware(RequestDelegate next, RelayHttpPipeline pipeline)
{
    // Routing has run: the endpoint carries the function's RelayEndpoint (FunctionHostExtensions.MapHttpFunctions). No
    // proxy of the host's own stands in front of Kestrel: 0 host hops.
    public Task InvokeAsync(HttpContext http) =>
        pipeline.InvokeAsync(http, http.GetEndpoint()?.Metadata.GetMetadata<RelayEndpoint>(), hostHops: 0, () => next(http));
}
