using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ScTransfer.Functions.Http;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>The OpenGraph preview (draft §6.4) renders untrusted display information safely.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PreviewPageTests
{
    [Fact]
    public void The_policy_allows_exactly_the_pages_own_stylesheet()
    {
        var html = PreviewPage.Render(new DisplayInformation("t", "d", null), "https://relay.example/v1/m/x");
        var style = Regex.Match(html, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style)));

        Assert.Contains($"style-src 'sha256-{hash}'", PreviewPage.ContentSecurityPolicy);
        Assert.Contains("default-src 'none'", PreviewPage.ContentSecurityPolicy);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:image/svg+xml,<svg onload=alert(1)>")]
    [InlineData("http://plain.example/i.png")]
    [InlineData("/relative.png")]
    [InlineData("\" onerror=\"alert(1)")]
    public void Only_an_absolute_https_image_is_shown(string imageUrl)
    {
        var html = PreviewPage.Render(new DisplayInformation("t", "d", imageUrl), "https://relay.example/v1/m/x");

        Assert.DoesNotContain("og:image", html);
        Assert.DoesNotContain("<img", html);
    }

    [Fact]
    public void Quotes_and_angle_brackets_cannot_leave_an_attribute_or_open_a_tag()
    {
        var html = PreviewPage.Render(new DisplayInformation("a\"b<c>'d&", "</title><script>x</script>", "https://i.example/a\"b.png"), "https://relay.example/v1/m/x");

        Assert.DoesNotContain("a\"b", html);
        Assert.DoesNotContain("<c>", html);
        Assert.DoesNotContain("<script>", html);
        Assert.Single(Regex.Matches(html, "<title>"));
    }
}
