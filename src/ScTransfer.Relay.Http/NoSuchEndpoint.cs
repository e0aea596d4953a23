using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Every request no other function takes, which the Functions host would answer with a bare 404; the catch-all comes
/// last in both hosts' route order (docs/design.md, "Two hosts, one set of functions").
/// </summary>
[ConcurrencyLimitOnly]
public sealed class NoSuchEndpoint
{
    [Function(nameof(NoSuchEndpoint))]
    public Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "post", "put", "patch", "delete", "head", "options", Route = "{*path}")] HttpRequest request) =>
        Task.FromResult(EndpointCatalogue.Relay.Unmatched(request));
}
