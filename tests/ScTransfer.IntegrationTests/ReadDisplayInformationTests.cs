using System.Net;
using System.Text.Json.Nodes;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>ReadDisplayInformationFromMailbox, draft §6.4: the OpenGraph preview.</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class ReadDisplayInformationTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    [Fact]
    public async Task The_preview_is_an_OpenGraph_page_with_a_strict_policy_and_no_script()
    {
        var (id, _) = await _relay.CreateMailboxAsync();

        using var response = await _relay.PreviewAsync(id);
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("<meta property=\"og:title\" content=\"Hotel Pass\">", html);
        Assert.Contains("<meta property=\"og:description\" content=\"Some Hotel Pass\">", html);
        Assert.Contains("<meta property=\"og:image\" content=\"https://hotel.example/sharingImage\">", html);
        Assert.Contains("<meta property=\"og:type\" content=\"website\">", html);
        Assert.Contains($"<meta property=\"og:url\" content=\"https://relay.test.example/v1/m/{id}\">", html);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.StartsWith("default-src 'none'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
    }

    [Fact]
    public async Task Hostile_display_information_is_escaped_and_a_javascript_image_is_dropped()
    {
        var id = RelayClient.NewId();
        var body = RelayClient.CreateBody(id);
        body["displayInformation"] = new JsonObject
        {
            ["title"] = "\"><script>alert(1)</script>",
            ["description"] = "<img src=x onerror=alert(2)><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
            ["imageURL"] = "javascript:alert(3)",
        };
        using var created = await _relay.CreateAsync(body, RelayClient.NewId());
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);

        var html = await (await _relay.PreviewAsync(id)).Content.ReadAsStringAsync();

        Assert.DoesNotContain("<script>", html);
        Assert.DoesNotContain("<img src=x", html);
        Assert.DoesNotContain("http-equiv", html.Replace("http-equiv=&quot;", "", StringComparison.Ordinal).Replace("http-equiv=&#x22;", "", StringComparison.Ordinal));
        Assert.DoesNotContain("javascript:", html);
        Assert.DoesNotContain("og:image", html);
        Assert.Contains("&lt;script&gt;", html);
    }

    [Fact]
    public async Task Previewing_never_binds_so_the_real_receiver_still_can()
    {
        var (id, _) = await _relay.CreateMailboxAsync();

        for (var i = 0; i < 3; i++)
        {
            (await _relay.PreviewAsync(id)).Dispose(); // link-preview bots
        }

        using var receiver = await _relay.ReadAsync(id, RelayClient.NewId());
        Assert.Equal(HttpStatusCode.OK, receiver.StatusCode);
    }

    [Theory]
    [InlineData("?v=c", "a car key")]
    [InlineData("?v=h", "a home key")]
    [InlineData("?v=a", "an access key")]
    [InlineData("?v=zz", "a key")]
    [InlineData("?v=c&v=h", "a key")]
    [InlineData("?v=", "a key")]
    [InlineData("?v=%E2%80%AE%3Cb%3E", "a key")]
    [InlineData("?utm_source=chat&v=c", "a car key")]
    public async Task The_credential_vertical_only_tailors_the_wording_and_never_causes_an_error(string query, string shared)
    {
        var (id, _) = await _relay.CreateMailboxAsync();

        using var response = await _relay.Http.GetAsync($"v1/m/{id}{query}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"Someone shared {shared} with you", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_opening_a_share_that_is_gone_gets_a_page_and_an_API_client_problem_json()
    {
        var (deleted, sender) = await _relay.CreateMailboxAsync();
        (await _relay.DeleteAsync(deleted, sender)).Dispose();

        foreach (var id in new[] { deleted, RelayClient.NewId() })
        {
            using var browser = await GetAsync(id, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
            using var api = await GetAsync(id, "application/json");
            using var bare = await GetAsync(id, null);

            Assert.Equal(HttpStatusCode.NotFound, browser.StatusCode);
            Assert.Equal("text/html", browser.Content.Headers.ContentType?.MediaType);
            var page = await browser.Content.ReadAsStringAsync();
            Assert.Contains("This share has expired or was already used; ask the sender to share again.", page, StringComparison.Ordinal);
            Assert.DoesNotContain("about:blank", page, StringComparison.Ordinal); // no problem+json in it
            Assert.StartsWith("default-src 'none'", browser.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
            Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
            Assert.Equal("application/problem+json", bare.Content.Headers.ContentType?.MediaType);
        }
    }

    private async Task<HttpResponseMessage> GetAsync(string id, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/m/" + id);
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        return await _relay.Http.SendAsync(request);
    }

    [Fact]
    public async Task Unknown_is_404_and_a_non_UUID_identifier_400()
    {
        using var unknown = await _relay.PreviewAsync(RelayClient.NewId());
        using var malformed = await _relay.PreviewAsync("12345678-9AB-BCD");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }
}
