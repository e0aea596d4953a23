using System.Net;
using System.Text.Json.Nodes;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// The share page as a person on a phone sees it, in real headless Chromium at a phone's viewport (docs/apps.md): the
/// live landing page with "Open in &lt;AppName&gt;" and the store links, the same page on a desktop browser (no
/// phone-only action), the 404 page of a share that is gone, a title
/// with bidirectional overrides, and an image that cannot load. Each asserts the visible text (what CSS shows), that
/// the page holds no script, and the Content-Security-Policy it came with. With <c>UPDATE_README_SCREENSHOT=1</c> the
/// screenshots replace docs/images/landing.png and docs/images/expired.png (README, docs/apps.md).
/// </summary>
[Trait(Needs.Trait, Needs.Chromium)]
public sealed class LandingPageBrowserTests
{
    private static readonly Dictionary<string, string> WalletApp = new()
    {
        ["AppLinks__AppleAppIds"] = "ABCDE12345.com.example.wallet",
        ["AppLinks__AndroidPackageName"] = "com.example.wallet",
        ["AppLinks__AndroidCertificateFingerprints"] = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5",
        ["AppLinks__AppName"] = "Example Wallet",
        ["AppLinks__AppStoreUrl"] = "https://apps.apple.com/us/app/example-wallet/id123456789",
        ["AppLinks__PlayStoreUrl"] = "https://play.google.com/store/apps/details?id=com.example.wallet",
    };

    [Fact]
    public async Task The_landing_page_offers_to_open_the_app_and_both_stores_and_runs_nothing()
    {
        await using var relay = await RelayHost.StartAsync(WalletApp, publicBaseUrl: "https://relay.example.com");
        using var http = relay.CreateClient();
        var id = RelayClient.NewId();
        await new RelayClient(http).CreateMailboxAsync(RelayClient.CreateBody(id, display: new JsonObject
        {
            ["title"] = "Front door · Flat 4B",
            ["description"] = "Lindenstraße 12, Berlin. Valid until 30 June.",
        }), RelayClient.NewId());
        var url = new Uri(relay.BaseAddress, $"v1/m/{id}?v=h");

        var csp = await PagePolicyAsync(http, url, HttpStatusCode.OK);
        await using var page = await ChromiumPage.OpenAsync(url);

        var seen = await page.VisibleTextAsync();
        Assert.Contains("Someone shared a home key with you", seen, StringComparison.Ordinal); // ?v=h
        Assert.Contains("Front door · Flat 4B", seen, StringComparison.Ordinal);
        Assert.Contains("Open in Example Wallet", seen, StringComparison.Ordinal);
        Assert.Contains("No Example Wallet yet? Get it on the App Store or Google Play.", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("banner at the top", seen, StringComparison.Ordinal); // the iOS line shows on iOS only (CSS)
        Assert.DoesNotContain("{", seen, StringComparison.Ordinal);

        var links = (await page.EvaluateAsync("[...document.querySelectorAll('a')].map(a => a.textContent + ' -> ' + a.href)")).EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Equal(
        [
            $"Open in Example Wallet -> intent://relay.example.com/v1/m/{id}?v=h#Intent;scheme=https;package=com.example.wallet;S.browser_fallback_url=https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dcom.example.wallet;end",
            "the App Store -> https://apps.apple.com/us/app/example-wallet/id123456789",
            "Google Play -> https://play.google.com/store/apps/details?id=com.example.wallet",
        ], links);
        Assert.Equal($"app-id=123456789, app-argument=https://relay.example.com/v1/m/{id}?v=h",
            (await page.EvaluateAsync("document.querySelector('meta[name=\"apple-itunes-app\"]').content")).GetString());
        Assert.Equal(0, (await page.EvaluateAsync("document.scripts.length")).GetInt32());
        // The hashed stylesheet applied (the policy let it), and the action is a button-sized tap target.
        Assert.Equal("rgb(52, 89, 217)", (await page.EvaluateAsync("getComputedStyle(document.querySelector('a.open')).backgroundColor")).GetString());
        Assert.InRange((await page.EvaluateAsync("document.querySelector('a.open').getBoundingClientRect().height")).GetDouble(), 44, 80);
        Assert.Contains("style-src 'sha256-", csp, StringComparison.Ordinal);

        await CaptureAsync(page, "landing.png");
    }

    [Fact]
    public async Task A_desktop_browser_is_told_to_open_the_link_on_the_phone_and_offered_nothing_phone_only()
    {
        await using var relay = await RelayHost.StartAsync(WalletApp, publicBaseUrl: "https://relay.example.com");
        using var http = relay.CreateClient();
        var id = RelayClient.NewId();
        await new RelayClient(http).CreateMailboxAsync(RelayClient.CreateBody(id, display: new JsonObject { ["title"] = "Front door" }), RelayClient.NewId());

        await using var page = await ChromiumPage.OpenAsync(new Uri(relay.BaseAddress, $"v1/m/{id}"), desktop: true);

        var seen = await page.VisibleTextAsync();
        Assert.Contains("To add it to Example Wallet, open the link in the message on your phone.", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("touch and hold", seen, StringComparison.Ordinal); // phone-only, and hidden by CSS off iOS
        Assert.DoesNotContain("banner at the top", seen, StringComparison.Ordinal);
        var links = (await page.EvaluateAsync("[...document.querySelectorAll('a')].map(a => a.href)")).EnumerateArray().Select(l => l.GetString()).ToList();
        Assert.Equal(["https://apps.apple.com/us/app/example-wallet/id123456789", "https://play.google.com/store/apps/details?id=com.example.wallet"], links);
        Assert.Equal(0, (await page.EvaluateAsync("document.scripts.length")).GetInt32());
    }

    [Fact]
    public async Task A_share_that_is_gone_shows_a_page_that_says_so_not_JSON()
    {
        await using var relay = await RelayHost.StartAsync(WalletApp);
        using var http = relay.CreateClient();
        var client = new RelayClient(http);
        var (id, sender) = await client.CreateMailboxAsync();
        (await client.DeleteAsync(id, sender)).Dispose();
        var url = new Uri(relay.BaseAddress, "v1/m/" + id);

        await PagePolicyAsync(http, url, HttpStatusCode.NotFound);
        await using var page = await ChromiumPage.OpenAsync(url);

        var seen = await page.VisibleTextAsync();
        Assert.Contains("This share is no longer available", seen, StringComparison.Ordinal);
        Assert.Contains("This share has expired or was already used; ask the sender to share again.", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("{", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("about:blank", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("404", seen, StringComparison.Ordinal);
        Assert.Equal("This share is no longer available", (await page.EvaluateAsync("document.title")).GetString());
        Assert.Equal(0, (await page.EvaluateAsync("document.scripts.length")).GetInt32());

        await CaptureAsync(page, "expired.png");
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("never existed")]
    public async Task A_share_that_expired_or_never_existed_shows_the_same_page(string how)
    {
        await using var relay = await RelayHost.StartAsync(WalletApp);
        using var http = relay.CreateClient();
        var client = new RelayClient(http);
        var id = RelayClient.NewId();
        if (how == "expired")
        {
            using var created = await client.CreateAsync(RelayClient.CreateBody(id, timeToLive: "1"), RelayClient.NewId());
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            await Timeouts.WaitUntilAsync(async () =>
            {
                using var preview = await client.PreviewAsync(id); // binds no receiver
                return preview.StatusCode == HttpStatusCode.NotFound; // expired on the relay's clock
            });
        }

        var url = new Uri(relay.BaseAddress, "v1/m/" + id);
        await PagePolicyAsync(http, url, HttpStatusCode.NotFound);
        await using var page = await ChromiumPage.OpenAsync(url);

        var seen = await page.VisibleTextAsync();
        Assert.Contains("This share has expired or was already used; ask the sender to share again.", seen, StringComparison.Ordinal);
        Assert.DoesNotContain("{", seen, StringComparison.Ordinal);
        Assert.Equal(0, (await page.EvaluateAsync("document.scripts.length")).GetInt32());
    }

    [Fact]
    public async Task A_title_with_bidirectional_overrides_reads_as_it_was_typed()
    {
        await using var relay = await RelayHost.StartAsync();
        using var http = relay.CreateClient();
        var id = RelayClient.NewId();
        await new RelayClient(http).CreateMailboxAsync(RelayClient.CreateBody(id, display: new JsonObject
        {
            ["title"] = "Invoice \u202Egnp.exe",
            ["description"] = "\u2067Room\u2069 \u200F1207\u2066",
        }), RelayClient.NewId());

        await using var page = await ChromiumPage.OpenAsync(new Uri(relay.BaseAddress, "v1/m/" + id));

        var seen = await page.VisibleTextAsync();
        Assert.Contains("Invoice gnp.exe", seen, StringComparison.Ordinal);
        Assert.Contains("Room 1207", seen, StringComparison.Ordinal);
        Assert.Equal("Invoice gnp.exe", (await page.EvaluateAsync("document.title")).GetString());
        Assert.False((await page.EvaluateAsync("/[\\u202A-\\u202E\\u2066-\\u2069\\u200E\\u200F\\u061C]/.test(document.documentElement.outerHTML)")).GetBoolean(),
            "a bidirectional control reached the page");
    }

    [Fact]
    public async Task An_image_that_cannot_load_leaves_the_gradient_and_no_broken_image()
    {
        await using var relay = await RelayHost.StartAsync();
        using var http = relay.CreateClient();
        var id = RelayClient.NewId();
        await new RelayClient(http).CreateMailboxAsync(RelayClient.CreateBody(id, display: new JsonObject
        {
            ["title"] = "Hotel Pass",
            ["imageURL"] = "https://pass-images.invalid/room-1204.png", // .invalid never resolves (RFC 6761)
        }), RelayClient.NewId());

        await using var page = await ChromiumPage.OpenAsync(new Uri(relay.BaseAddress, "v1/m/" + id));

        Assert.Equal(0, (await page.EvaluateAsync("document.images.length")).GetInt32());
        var layers = (await page.EvaluateAsync("getComputedStyle(document.querySelector('.art')).backgroundImage")).GetString()!;
        Assert.StartsWith("url(\"https://pass-images.invalid/room-1204.png\"), linear-gradient(", layers, StringComparison.Ordinal);
        Assert.Equal(200, (await page.EvaluateAsync("document.querySelector('.art').getBoundingClientRect().height")).GetDouble());
    }

    /// <summary>The page's own answer: its status, no script anywhere in its policy, and the policy itself.</summary>
    private static async Task<string> PagePolicyAsync(HttpClient http, Uri url, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        using var response = await http.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
        Assert.StartsWith("default-src 'none'; img-src https:; style-src 'sha256-", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        return csp;
    }

    private static async Task CaptureAsync(ChromiumPage page, string name)
    {
        var png = await page.ScreenshotAsync();
        Assert.True(png.AsSpan().StartsWith(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }), "not a PNG");
        Assert.InRange(png.Length, 20_000, 3_000_000); // a blank page compresses to far less
        if (Environment.GetEnvironmentVariable("UPDATE_README_SCREENSHOT") == "1")
        {
            var target = Path.Combine(Repository.Root, "docs", "images", name);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await File.WriteAllBytesAsync(target, png);
        }
    }
}
