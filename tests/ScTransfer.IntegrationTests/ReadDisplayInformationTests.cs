using System.Net;
using System.Text.Json.Nodes;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>ReadDisplayInformationFromMailbox, draft §6.4: the OpenGraph preview.</summary>
[Collection(RelayCollection.Name)]
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

    [Fact]
    public async Task Unknown_is_404_and_a_non_UUID_identifier_400()
    {
        using var unknown = await _relay.PreviewAsync(RelayClient.NewId());
        using var malformed = await _relay.PreviewAsync("12345678-9AB-BCD");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }
}
