using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.Relay.Http;

/// <summary>
/// <c>GET /.well-known/assetlinks.json</c> (and HEAD): the Digital Asset Links statement that lets the Android app
/// open this relay's share links as verified App Links, from <c>AppLinks__AndroidPackageName</c> and
/// <c>AppLinks__AndroidCertificateFingerprints</c>; 404 when none is configured. Held in memory: no storage operation
/// (docs/apps.md).
/// </summary>
[ConcurrencyLimitOnly]
public sealed class GetAssetLinks(AppLinks app)
{
    [Function(nameof(GetAssetLinks))]
    public Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = ".well-known/assetlinks.json")] HttpRequest request) =>
        Task.FromResult(app.AndroidAssociation is { } file
            ? RelayResults.Document(file, "application/json", AppLinks.CacheControl)
            : RelayResults.Problem(AppLinks.AndroidNotConfigured));
}
