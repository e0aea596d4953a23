using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace ScTransfer.Relay.Http;

/// <summary>
/// The relay's OpenAPI 3.1 description, <c>GET /v1/openapi.yaml</c>: docs/openapi.yaml as embedded at build time, so
/// the document a client fetches is the one the relay was built and tested with.
/// </summary>
[ConcurrencyLimitOnly]
public sealed class GetOpenApiDescription
{
    private static readonly ReadOnlyMemory<byte> Document = Load();

    [Function(nameof(GetOpenApiDescription))]
    public Task<IResult> Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "head", Route = "v1/openapi.yaml")] HttpRequest request) =>
        Task.FromResult(RelayResults.Document(Document, "application/yaml"));

    private static byte[] Load()
    {
        using var stream = typeof(GetOpenApiDescription).Assembly.GetManifestResourceStream("openapi.yaml")
            ?? throw new InvalidOperationException("openapi.yaml is not embedded in this assembly; see ScTransfer.Relay.Http.csproj.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
