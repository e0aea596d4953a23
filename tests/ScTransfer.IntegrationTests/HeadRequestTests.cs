using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// HEAD wherever GET is served (RFC 9110 §9.3.2): the same status and headers, Content-Length included, and no body.
/// Link-preview bots probe with HEAD before they fetch.
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class HeadRequestTests(RelayFixture fixture)
{
    [Theory]
    [InlineData("live share", HttpStatusCode.OK)]
    [InlineData("live share ?v=c", HttpStatusCode.OK)]
    [InlineData("unknown share", HttpStatusCode.NotFound)]
    [InlineData("unknown share, browser", HttpStatusCode.NotFound)]
    [InlineData("malformed identifier", HttpStatusCode.BadRequest)]
    [InlineData("OpenAPI description", HttpStatusCode.OK)]
    [InlineData("Apple association file", HttpStatusCode.NotFound)] // not configured here: AppLinksTests has a configured relay
    [InlineData("Android association file", HttpStatusCode.NotFound)]
    public async Task HEAD_answers_the_status_and_headers_GET_does_without_a_body(string route, HttpStatusCode status)
    {
        var path = route switch
        {
            "live share" => "v1/m/" + (await fixture.Client.CreateMailboxAsync()).Id,
            "live share ?v=c" => "v1/m/" + (await fixture.Client.CreateMailboxAsync()).Id + "?v=c",
            "unknown share" or "unknown share, browser" => "v1/m/" + RelayClient.NewId(),
            "malformed identifier" => "v1/m/not-a-uuid",
            "OpenAPI description" => "v1/openapi.yaml",
            "Apple association file" => ".well-known/apple-app-site-association",
            _ => ".well-known/assetlinks.json",
        };
        var accept = route.EndsWith("browser", StringComparison.Ordinal) ? "text/html,application/xhtml+xml,*/*;q=0.8" : null;

        using var get = await SendAsync(HttpMethod.Get, path, accept);
        using var head = await SendAsync(HttpMethod.Head, path, accept);

        Assert.Equal(status, get.StatusCode);
        Assert.Equal(status, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
        Assert.Equal((await get.Content.ReadAsByteArrayAsync()).Length, head.Content.Headers.ContentLength);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        foreach (var header in new[] { "Content-Security-Policy", "Cache-Control", "X-Content-Type-Options", "Referrer-Policy" })
        {
            Assert.Equal(Header(get, header), Header(head, header));
        }
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? accept)
    {
        using var request = new HttpRequestMessage(method, path);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return await fixture.Client.Http.SendAsync(request); // checked against docs/openapi.yaml, HEAD included
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? string.Join(", ", values) : null;
}
