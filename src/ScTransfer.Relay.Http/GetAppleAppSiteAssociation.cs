using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.Relay.Http;

/// <summary>
/// <c>GET /.well-known/apple-app-site-association</c> (and HEAD): the iOS apps that open this relay's share links as
/// universal links, from <c>AppLinks__AppleAppIds</c>; 404 when none is configured. Held in memory: no storage
/// operation (docs/apps.md).
/// </summary>
[ConcurrencyLimitOnly]
public sealed class GetAppleAppSiteAssociation(AppLinks app)
{
    [Function(nameof(GetAppleAppSiteAssociation))]
    public Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = ".well-known/apple-app-site-association")] HttpRequest request) =>
        Task.FromResult(app.AppleAssociation is { } file
            ? RelayResults.Document(file, "application/json", AppLinks.CacheControl)
            : RelayResults.Problem(AppLinks.AppleNotConfigured));
}
