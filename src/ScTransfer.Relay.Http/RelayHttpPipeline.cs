using Microsoft.AspNetCore.Http;

namespace ScTransfer.Relay.Http;

/// <summary>
/// What runs around every HTTP function on both hosts, in order: the <see cref="RelayRequestFeature"/>,
/// <see cref="RelayHttpPolicy.BeginRequest"/> (draft §5), <see cref="RelayRateLimiter.Admit"/>,
/// <see cref="RequestBodyReader.BufferAsync"/>, <see cref="RelayRateLimiter.EnterInstance"/> (only once the body has
/// arrived), then the function, a failure mapped by <see cref="RelayHttpPolicy.MapException"/> (docs/design.md, "Layers").
/// </summary>
/// <remarks>
/// Both hosts write the function's answer inside <c>next</c>, so the places are held, and a failure while writing is
/// mapped, until the answer is out.
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
