using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>The share page (draft §6.4) renders untrusted display information safely, and offers the app when there is one.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PreviewPageTests
{
    private const string ShareUrl = "https://relay.example/v1/m/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

    private static readonly AppActions Wallet = new(
        "Example Wallet",
        "intent://relay.example/v1/m/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f#Intent;scheme=https;package=com.example.wallet;end",
        "app-id=123456789, app-argument=" + ShareUrl,
        "https://apps.apple.com/app/id123456789",
        "https://play.google.com/store/apps/details?id=com.example.wallet");

    private static HtmlPage Render(DisplayInformation display, ShareVertical vertical = default, AppActions? app = null, bool desktop = false) =>
        PreviewPage.Render(display, ShareUrl, vertical, app, desktop);

    [Theory]
    [InlineData(null)]
    [InlineData("https://img.example/pass.png")]
    [InlineData("https://img.example/a'b(c)d\"e\\f.png")]
    public void The_policy_allows_exactly_the_pages_own_stylesheet(string? image)
    {
        var page = Render(new DisplayInformation("t", "d", image));
        var style = Regex.Match(page.Html, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style)));

        Assert.Single(Regex.Matches(page.Html, "<style>"));
        Assert.Equal($"default-src 'none'; img-src https:; style-src 'sha256-{hash}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'", page.ContentSecurityPolicy);
        Assert.Equal(image is null, page.ContentSecurityPolicy == PreviewPage.ContentSecurityPolicy);
    }

    [Theory]
    [InlineData("javascript:alert(1)")]
    [InlineData("data:image/svg+xml,<svg onload=alert(1)>")]
    [InlineData("http://plain.example/i.png")]
    [InlineData("/relative.png")]
    [InlineData("\" onerror=\"alert(1)")]
    public void Only_an_absolute_https_image_is_shown(string imageUrl)
    {
        var html = Render(new DisplayInformation("t", "d", imageUrl)).Html;

        Assert.DoesNotContain("og:image", html);
        Assert.DoesNotContain("url(", html);
        Assert.DoesNotContain("<img", html);
    }

    [Fact]
    public void The_image_is_a_background_over_the_gradient_so_a_failed_one_leaves_no_broken_image_icon()
    {
        var html = Render(new DisplayInformation("t", "d", "https://img.example/pass.png")).Html;

        Assert.DoesNotContain("<img", html);
        Assert.Contains(".art{background:url(\"https://img.example/pass.png\") center/cover,linear-gradient(", html);
        Assert.Contains("<meta property=\"og:image\" content=\"https://img.example/pass.png\">", html);
    }

    [Fact]
    public void An_image_url_cannot_leave_its_CSS_string_or_the_stylesheet()
    {
        var html = Render(new DisplayInformation("t", "d", "https://img.example/x\");}body{background:red}</style><script>x</script>'\\")).Html;
        var style = Regex.Match(html, "<style>(.*?)</style>", RegexOptions.Singleline).Groups[1].Value;

        Assert.DoesNotContain("<script>", html);
        // The string holds only URL characters and hex escapes, and the rule goes on as written after it.
        Assert.Matches("\\.art\\{background:url\\(\"([-A-Za-z0-9._~:/?#\\[\\]@!$&*+,;=%]|\\\\[0-9a-f]+ )*\"\\) center/cover,linear-gradient\\(135deg,#3459d9,#6a3fd1\\)\\}$", style);
    }

    [Fact]
    public void Quotes_and_angle_brackets_cannot_leave_an_attribute_or_open_a_tag()
    {
        var html = Render(new DisplayInformation("a\"b<c>'d&", "</title><script>x</script>", "https://i.example/a\"b.png")).Html;

        Assert.DoesNotContain("a\"b", html);
        Assert.DoesNotContain("<c>", html);
        Assert.DoesNotContain("<script>", html);
        Assert.Single(Regex.Matches(html, "<title>"));
    }

    [Fact]
    public void Bidirectional_and_invisible_controls_are_gone_from_every_place_the_title_is_shown()
    {
        var html = Render(new DisplayInformation("Invoice \u202Egnp.exe\u2066\u200B", "\u2067Room\u2069 1207\u200F", null)).Html;

        Assert.Equal(3, Regex.Count(html, "Invoice gnp\\.exe")); // <title>, og:title, <h1>
        Assert.Contains("<p dir=\"auto\">Room 1207</p>", html);
        Assert.Contains("<h1 dir=\"auto\">", html);
        Assert.DoesNotMatch("[\u202A-\u202E\u2066-\u2069\u200B\u200E\u200F]", html);
    }

    [Theory]
    [InlineData('c', "Someone shared a car key with you")]
    [InlineData('h', "Someone shared a home key with you")]
    [InlineData('a', "Someone shared an access key with you")]
    [InlineData(default(char), "Someone shared a key with you")]
    public void The_credential_vertical_tailors_the_wording(char letter, string expected)
    {
        var html = Render(new DisplayInformation("t", null, null), new ShareVertical(letter)).Html;

        Assert.Contains($"<p class=\"kicker\">{expected}</p>", html);
    }

    [Theory]
    [InlineData("c", 'c')]
    [InlineData("x", default(char))]
    [InlineData("car", default(char))]
    [InlineData("", default(char))]
    public void Only_a_known_single_vertical_letter_counts(string query, char expected)
    {
        Assert.Equal(new ShareVertical(expected), ShareVertical.From(query));
        Assert.Equal(ShareVertical.None, ShareVertical.From(new Microsoft.Extensions.Primitives.StringValues(["c", "h"])));
        Assert.Equal(ShareVertical.None, ShareVertical.From(Microsoft.Extensions.Primitives.StringValues.Empty));
    }

    [Fact]
    public void With_an_app_the_page_offers_it_on_each_platform_and_both_stores()
    {
        var html = Render(new DisplayInformation("t", null, null), app: Wallet).Html;

        Assert.Contains("<meta name=\"apple-itunes-app\" content=\"app-id=123456789, app-argument=" + ShareUrl + "\">", html);
        Assert.Contains("<a class=\"open\" href=\"intent://relay.example/v1/m/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f#Intent;scheme=https;package=com.example.wallet;end\">Open in Example Wallet</a>", html);
        Assert.Contains("<p class=\"ios\">Tap <b>Open</b> in the Example Wallet banner at the top of the screen.</p>", html);
        Assert.Contains("<a href=\"https://apps.apple.com/app/id123456789\">the App Store</a> or <a href=\"https://play.google.com/store/apps/details?id=com.example.wallet\">Google Play</a>", html);
        Assert.Contains("<p class=\"small\">Or go back to the message, touch and hold the link, and choose Open in Example Wallet.</p>", html);
        Assert.DoesNotContain("your wallet", html);
        Assert.DoesNotContain("how desk", html);
    }

    [Fact]
    public void On_a_desktop_browser_the_page_offers_nothing_only_a_phone_can_do()
    {
        var html = Render(new DisplayInformation("t", null, null), app: Wallet, desktop: true).Html;

        Assert.Contains("<div class=\"how desk\">To add it to Example Wallet, open the link in the message on your phone.</div>", html);
        Assert.DoesNotContain("intent://", html);
        Assert.DoesNotContain("class=\"open\"", html);
        // Touch and hold, and the banner, only where CSS says iOS (an iPad's Safari sends a Macintosh User-Agent).
        Assert.Contains("<p class=\"small ios\">Or go back to the message, touch and hold the link", html);
        Assert.Contains("<p class=\"ios\">Tap <b>Open</b> in the Example Wallet banner", html);
        Assert.Contains("<a href=\"https://apps.apple.com/app/id123456789\">the App Store</a>", html); // still worth knowing
        Assert.Contains("@supports (-webkit-touch-callout:none){.ios{display:block}.open{display:none}.desk{display:none}}", html);
    }

    [Fact]
    public void Without_an_app_the_page_says_how_to_open_the_link_and_offers_nothing_to_tap()
    {
        var html = Render(new DisplayInformation("t", null, null)).Html;

        Assert.Contains("<div class=\"how\">To add it to your wallet, open this link on your phone or watch.</div>", html);
        Assert.DoesNotContain("where you keep your keys", html); // read as a warning about where to keep keys
        Assert.DoesNotContain("<a ", html);
        Assert.DoesNotContain("apple-itunes-app", html);
        Assert.Equal(html, Render(new DisplayInformation("t", null, null), desktop: true).Html); // nothing phone-only to leave out
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", true)]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", true)] // also iPadOS Safari
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", true)]
    [InlineData("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", true)]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", false)]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", false)]
    [InlineData("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", false)]
    [InlineData("WhatsApp/2.24.1 A", false)] // a link preview fetcher: unknown, so the page as a phone sees it
    [InlineData("", false)]
    public void Only_a_desktop_User_Agent_counts_as_a_desktop(string userAgent, bool desktop)
    {
        var request = new DefaultHttpContext().Request;
        if (userAgent.Length > 0)
        {
            request.Headers.UserAgent = userAgent;
        }

        Assert.Equal(desktop, PreviewPage.IsDesktop(request));
    }

    [Fact]
    public void The_page_for_a_share_that_is_gone_is_a_404_in_the_same_look_without_the_shares_text()
    {
        var gone = PreviewPage.Gone;

        Assert.Equal(404, gone.Status);
        Assert.Contains("This share has expired or was already used; ask the sender to share again.", gone.Html);
        Assert.Equal(PreviewPage.ContentSecurityPolicy, gone.ContentSecurityPolicy);
        Assert.DoesNotContain("og:", gone.Html);
    }

    [Theory]
    [InlineData("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true)] // Chrome, Safari
    [InlineData("text/html", true)]
    [InlineData("text/html;q=0.5, application/json", false)]
    [InlineData("application/json", false)]
    [InlineData("application/problem+json", false)]
    [InlineData("*/*", false)] // curl
    [InlineData("text/html;q=0", false)]
    [InlineData("", false)]
    [InlineData("not a media type ,,;", false)]
    public void Only_a_request_that_prefers_HTML_gets_a_page(string accept, bool page)
    {
        var request = new DefaultHttpContext().Request;
        if (accept.Length > 0)
        {
            request.Headers.Accept = accept;
        }

        Assert.Equal(page, PreviewPage.WantsHtml(request));
    }
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class DisplayTextTests
{
    [Theory]
    [InlineData("Invoice \u202Egnp.exe", "Invoice gnp.exe")] // RIGHT-TO-LEFT OVERRIDE
    [InlineData("a\u202Ab\u202Bc\u202Cd\u202De", "abcde")]   // embeddings, pop, LRO
    [InlineData("\u2066a\u2067b\u2068c\u2069", "abc")]       // isolates
    [InlineData("a\u200Eb\u200Fc\u061Cd", "abcd")]           // LRM, RLM, ALM
    [InlineData("pay\u00ADpal\u200Bcom\u2060x\uFEFF", "paypalcomx")] // soft hyphen, ZWSP, word joiner, BOM
    [InlineData("\u3164\u115F", "")]                          // Hangul fillers: a title that looks empty
    [InlineData("a\u0000b\u0007c\u009Bd", "abcd")]           // C0 and C1 controls
    [InlineData("line\nbreak\ttab\u2028sep", "line break tab sep")]
    public void Invisible_and_reordering_controls_are_removed(string sent, string shown)
    {
        Assert.Equal(shown, DisplayText.Clean(sent));
    }

    [Theory]
    [InlineData("\U0001F468\u200D\U0001F469\u200D\U0001F467")] // family emoji: ZWJ sequence
    [InlineData("\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645")] // Persian with ZWNJ
    [InlineData("\u2764\uFE0F")]                                // heart with emoji presentation (VS16)
    [InlineData("\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F")] // Scotland flag: tag sequence
    [InlineData("\u05E9\u05DC\u05D5\u05DD Hotel")]            // right-to-left text without controls
    [InlineData("Hôtel Zürich · Zimmer 12")]
    public void Characters_that_change_how_visible_text_looks_stay(string text)
    {
        Assert.Equal(text, DisplayText.Clean(text));
    }

    [Fact]
    public void Every_bidi_control_is_removed()
    {
        // Unicode's Bidi_Control property, all twelve (PropList.txt).
        int[] bidiControls = [0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069];

        Assert.All(bidiControls, c => Assert.True(DisplayText.IsRemoved(c), $"U+{c:X4} stays"));
    }
}
