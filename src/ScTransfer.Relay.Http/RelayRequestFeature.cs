using Microsoft.AspNetCore.Http;

namespace ScTransfer.Relay.Http;

/// <summary>
/// What <see cref="RelayHttpPipeline"/> learns about a request before its function runs, set once on the request's
/// features and read by the function: its endpoint, its Mailbox-Correlation-ID (draft §5) and its body, read whole.
/// </summary>
internal sealed class RelayRequestFeature(RelayEndpoint? endpoint)
{
    /// <summary>The function the request is routed to; null when none matched.</summary>
    public RelayEndpoint? Endpoint { get; } = endpoint;

    /// <summary>The validated Mailbox-Correlation-ID, or null when the client sent none (<see cref="RelayHttpPolicy.BeginRequest"/>).</summary>
    public string? CorrelationId { get; set; }

    /// <summary>The header it came in, in the spelling the caller used (<see cref="RelayHeaders.CorrelationId"/>); the answer echoes it there.</summary>
    public string? CorrelationHeader { get; set; }

    /// <summary>The body, read whole within the limits (<see cref="RequestBodyReader"/>); empty when the request carries none.</summary>
    public BufferedBody Body { get; set; } = BufferedBody.Empty;

    /// <summary>The feature of a request that came through <see cref="RelayHttpPipeline"/>, as every HTTP function's does on both hosts.</summary>
    public static RelayRequestFeature Of(HttpRequest request) =>
        request.HttpContext.Features.Get<RelayRequestFeature>()
        ?? throw new InvalidOperationException("The request did not come through RelayHttpPipeline, which every HTTP function runs behind.");
}
