using Microsoft.AspNetCore.Http;

namespace ScTransfer.Relay.Http;

/// <summary>
/// What runs around every HTTP function, in this order, on both hosts (RelayFunctionsMiddleware in the Functions worker,
/// RelayHttpMiddleware in the self-hosted runner, which only say how they find the function's endpoint and the host's own
/// proxy hops): the request's <see cref="RelayRequestFeature"/>, then <see cref="RelayHttpPolicy.BeginRequest"/> (security
/// headers, the Correlation-ID check and echo, draft §5), then <see cref="RelayRateLimiter.Admit"/> (the client's place
/// and bucket, so a 429 carries both), then <see cref="RequestBodyReader.BufferAsync"/> (the body, whole and in time),
/// then <see cref="RelayRateLimiter.EnterInstance"/>
/// (a place under the instance's ceiling, taken only now so that a body still arriving cannot hold one), then the
/// function, with a failure mapped to an answer by
/// <see cref="RelayHttpPolicy.MapException"/>.
/// </summary>
/// <remarks>
/// An answer given here is written to the response at once. The function's own answer is written inside <c>next</c> on
/// both hosts (the runner's endpoint; in the worker, RelayFunctionsMiddleware writes the invocation's IResult itself),
/// so the request's places are held, and a failure while writing is mapped, until the answer is out.
/// </remarks>
internal sealed class RelayHttpPipeline(RelayHttpPolicy policy, RelayRateLimiter limiter, RequestBodyReader bodies)
{
    /// <param name="http">The request.</param>
    /// <param name="endpoint">The function the request is routed to (<see cref="EndpointCatalogue"/>); null when none matched.</param>
    /// <param name="hostHops">The host's own proxies in front of this code (<see cref="RelayRateLimiter.Admit"/>).</param>
    /// <param name="next">Runs the function.</param>
    public async Task InvokeAsync(HttpContext http, RelayEndpoint? endpoint, int hostHops, Func<Task> next)
    {
        var request = new RelayRequestFeature(endpoint);
        http.Features.Set(request);
        if (RelayHttpPolicy.BeginRequest(http, request) is { } early)
        {
            await early.ExecuteAsync(http);
            return;
        }

        using var client = limiter.Admit(http, endpoint, hostHops);
        if (client.Refusal is { } refused)
        {
            await refused.ExecuteAsync(http);
            return;
        }

        try
        {
            if (await bodies.BufferAsync(http, request) is { } bodyRefused)
            {
                await bodyRefused.ExecuteAsync(http);
                return;
            }

            using var instance = limiter.EnterInstance();
            if (instance.Refusal is { } busy)
            {
                await busy.ExecuteAsync(http);
                return;
            }

            await next();
        }
        catch (Exception ex) when (!http.Response.HasStarted)
        {
            await policy.MapException(ex, http).ExecuteAsync(http);
        }
    }
}
