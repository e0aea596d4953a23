using Microsoft.AspNetCore.Http;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>
/// The answer to a request no endpoint takes: a problem+json 404 for an unknown path, a 405 with <c>Allow</c> for a
/// known path asked with another method (RFC 9110 §15.5.6). Served by the catch-all function on both hosts, so it
/// passes through the same middleware (security headers, Correlation-ID) as every endpoint.
/// </summary>
internal static class RelayRoutes
{
    /// <summary>The relay's paths (after the empty route prefix) and the methods its functions declare for them.</summary>
    private static readonly (Func<string[], bool> Matches, string Allow)[] Known =
    [
        (segments => segments is ["v1", "m"], "POST"),
        (segments => segments is ["v1", "m", { Length: > 0 }], "GET, HEAD, POST, PUT, PATCH, DELETE"),
        (segments => segments is ["v1", "openapi.yaml"], "GET, HEAD"),
        (segments => segments is [".well-known", "apple-app-site-association" or "assetlinks.json"], "GET, HEAD"),
    ];

    public static IResult Unmatched(HttpRequest request)
    {
        var segments = (request.Path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (var (matches, allow) in Known)
        {
            if (matches(segments))
            {
                request.HttpContext.Response.Headers.Allow = allow;
                return RelayResults.Problem(new ProtocolError(405, "Method not allowed", $"This path takes {allow}."));
            }
        }

        return RelayResults.Problem(new ProtocolError(
            404, "No such endpoint", "The relay serves /v1/m (POST) and /v1/m/{mailboxIdentifier} (GET, HEAD, POST, PUT, PATCH, DELETE), "
            + "and its app association files /.well-known/apple-app-site-association and /.well-known/assetlinks.json (GET, HEAD); "
            + "its description is /v1/openapi.yaml."));
    }
}
