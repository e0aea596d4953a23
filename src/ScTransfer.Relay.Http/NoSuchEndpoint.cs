using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Every request no other function takes (unknown paths, other methods on known paths): the Functions host would
/// answer those itself with a bare 404. A catch-all route comes last in the host's route order (literal segments,
/// then parameters, then catch-all), as in ASP.NET Core routing on the self-hosted runner.
/// </summary>
[ConcurrencyLimitOnly]
public sealed class NoSuchEndpoint
{
    [Function(nameof(NoSuchEndpoint))]
    public Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = "{*path}")] HttpRequest request) =>
        Task.FromResult(EndpointCatalogue.Relay.Unmatched(request));
}
