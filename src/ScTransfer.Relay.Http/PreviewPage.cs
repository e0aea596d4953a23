using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>An HTML answer: the page, its status and the Content-Security-Policy that allows exactly its stylesheet.</summary>
internal sealed record HtmlPage(int Status, string Html, string ContentSecurityPolicy);

/// <summary>
/// The share page (draft §6.4): the OpenGraph preview a messaging app's link preview reads, and the landing page a
/// person who opens the link in a browser sees, with "Open in &lt;app&gt;" and the store links when the relay names
/// its app (docs/apps.md). Every value is HTML-escaped and loses its invisible controls (<see cref="DisplayText"/>);
/// the page has no script, and its Content-Security-Policy allows only its own stylesheet (by hash) and https images,
/// so hostile display information cannot run. The image is a CSS background over the gradient, so an image that
/// fails to load leaves the gradient, not a broken-image icon.
/// </summary>
internal static class PreviewPage
{
    private const string Style =
        "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f5f9;color:#1c2333;"
        + "display:flex;min-height:100vh;align-items:center;justify-content:center}"
        + "main{background:#fff;border-radius:20px;box-shadow:0 10px 40px rgba(20,30,60,.12);max-width:420px;width:calc(100% - 32px);overflow:hidden;margin:16px 0}"
        + ".art{height:200px;background:linear-gradient(135deg,#3459d9,#6a3fd1);display:flex;align-items:center;justify-content:center}"
        + ".art span{font-size:72px;color:#fff}.gone{background:linear-gradient(135deg,#8a93a6,#5a6378)}"
        + ".text{padding:24px 28px 28px}.kicker{font-size:14px;font-weight:600;color:#3459d9;margin:0 0 4px}"
        + "h1{font-size:24px;margin:0 0 8px;overflow-wrap:anywhere}"
        + "p{margin:0 0 16px;color:#4a5368;overflow-wrap:anywhere}"
        + ".how{font-size:14px;background:#f3f5f9;border-radius:12px;padding:12px 14px;color:#4a5368;margin:0 0 16px}"
        + ".open{display:block;text-align:center;background:#3459d9;color:#fff;font-weight:600;text-decoration:none;padding:14px;border-radius:12px;margin:0 0 12px}"
        + ".ios{display:none}@supports (-webkit-touch-callout:none){.ios{display:block}.open{display:none}.desk{display:none}}"
        + ".small{font-size:14px}.small a{color:#3459d9}"
        + "footer{font-size:12px;color:#8a93a6;margin-top:16px}";

    /// <summary>No script, no frames, no forms; the one inline stylesheet by hash; images only over https.</summary>
    public static readonly string ContentSecurityPolicy = PolicyFor(Style);

    /// <summary>User-Agent tokens of desktop systems, and of phones and tablets (a phone or tablet token wins).</summary>
    private static readonly string[] DesktopSystems = ["Windows NT", "Macintosh", "X11", "CrOS"];

    private static readonly string[] MobileSystems = ["Android", "iPhone", "iPad", "iPod", "Mobile"];

    /// <summary>
    /// The share page of a live share. A <paramref name="desktop"/> browser (<see cref="IsDesktop"/>) is not offered
    /// what only a phone can do (Android's intent button, touching and holding the link); it is told to open the link
    /// on the phone.
    /// </summary>
    public static HtmlPage Render(DisplayInformation display, string shareUrl, ShareVertical vertical, AppActions? app, bool desktop = false)
    {
        var html = HtmlEncoder.Default;
        var cleanTitle = DisplayText.Clean(display.Title);
        var title = html.Encode(cleanTitle.Length == 0 ? "A shared credential" : cleanTitle);
        var description = html.Encode(DisplayText.Clean(display.Description));
        var url = html.Encode(shareUrl);
        // Only an absolute https URL becomes an image: javascript:, data: and relative URLs are dropped.
        var image = Uri.TryCreate(display.ImageUrl, UriKind.Absolute, out var imageUri) && imageUri.Scheme == Uri.UriSchemeHttps
            ? imageUri.AbsoluteUri
            : null;
        var style = image is null ? Style : Style + ".art{background:url(\"" + CssString(image) + "\") center/cover,linear-gradient(135deg,#3459d9,#6a3fd1)}";

        var page = new StringBuilder(3072);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\" prefix=\"og: https://ogp.me/ns#\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n")
            .Append("<meta name=\"robots\" content=\"noindex,nofollow\">\n");
        if (app?.SmartAppBanner is { } banner)
        {
            // Safari's Smart App Banner: "Open" in the app when it is installed, the App Store when it is not. Tapping a
            // universal link to the page's own domain would stay in Safari, so the banner is iOS's way into the app.
            page.Append("<meta name=\"apple-itunes-app\" content=\"").Append(html.Encode(banner)).Append("\">\n");
        }

        page.Append("<title>").Append(title).Append("</title>\n")
            .Append("<meta property=\"og:title\" content=\"").Append(title).Append("\">\n")
            .Append("<meta property=\"og:description\" content=\"").Append(description).Append("\">\n")
            .Append("<meta property=\"og:type\" content=\"website\">\n")
            .Append("<meta property=\"og:url\" content=\"").Append(url).Append("\">\n");
        if (image is not null)
        {
            page.Append("<meta property=\"og:image\" content=\"").Append(html.Encode(image)).Append("\">\n");
        }

        page.Append("<style>").Append(style).Append("</style>\n</head>\n<body>\n<main>\n<div class=\"art\">")
            .Append(image is null ? "<span aria-hidden=\"true\">&#128273;</span>" : "")
            .Append("</div>\n<div class=\"text\">\n<p class=\"kicker\">Someone shared ").Append(vertical.Noun).Append(" with you</p>\n")
            .Append("<h1 dir=\"auto\">").Append(title).Append("</h1>\n");
        if (description.Length > 0)
        {
            page.Append("<p dir=\"auto\">").Append(description).Append("</p>\n");
        }

        if (app is null)
        {
            page.Append("<div class=\"how\">To add it to your wallet, open this link on your phone or watch.</div>\n");
        }
        else
        {
            AppendActions(page, app, html, desktop);
        }

        page.Append("<p class=\"small\">The key itself is end-to-end encrypted: this page cannot show it.</p>\n")
            .Append("<footer>Secure Credential Transfer</footer>\n</div>\n</main>\n</body>\n</html>\n");
        return new HtmlPage(200, page.ToString(), PolicyFor(style));
    }

    /// <summary>The 404 page a browser gets for a share that does not exist, expired or was deleted.</summary>
    public static HtmlPage Gone { get; } = new(404,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n"
        + "<meta name=\"robots\" content=\"noindex,nofollow\">\n"
        + "<title>This share is no longer available</title>\n"
        + "<style>" + Style + "</style>\n</head>\n<body>\n<main>\n"
        + "<div class=\"art gone\"><span aria-hidden=\"true\">&#8987;</span></div>\n<div class=\"text\">\n"
        + "<h1>This share is no longer available</h1>\n"
        + "<p>This share has expired or was already used; ask the sender to share again.</p>\n"
        + "<footer>Secure Credential Transfer</footer>\n</div>\n</main>\n</body>\n</html>\n",
        ContentSecurityPolicy);

    /// <summary>
    /// Whether a request is a browser's, which gets a page rather than problem+json: its Accept names text/html and
    /// prefers it to JSON. An API client (JSON, <c>*/*</c> or no Accept) keeps problem+json.
    /// </summary>
    public static bool WantsHtml(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted))
        {
            return false;
        }

        double html = 0, json = 0;
        foreach (var media in accepted)
        {
            var quality = media.Quality ?? 1;
            if (media.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            {
                html = Math.Max(html, quality);
            }
            else if (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                     || media.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase))
            {
                json = Math.Max(json, quality);
            }
        }

        return html > 0 && html >= json;
    }

    /// <summary>
    /// Whether the User-Agent names a desktop system (Windows, macOS, Linux on X11, ChromeOS) and no phone or tablet. An
    /// unknown or missing User-Agent counts as a phone: the page then offers everything, as it did before.
    /// </summary>
    public static bool IsDesktop(HttpRequest request)
    {
        var agent = request.Headers.UserAgent.ToString();
        return DesktopSystems.Any(s => agent.Contains(s, StringComparison.Ordinal))
            && !MobileSystems.Any(s => agent.Contains(s, StringComparison.Ordinal));
    }

    private static void AppendActions(StringBuilder page, AppActions app, HtmlEncoder html, bool desktop)
    {
        var name = html.Encode(app.AppName);
        if (desktop)
        {
            // iPadOS Safari sends a Macintosh User-Agent: the lines below marked "ios" still show there (CSS), this one not.
            page.Append("<div class=\"how desk\">To add it to ").Append(name).Append(", open the link in the message on your phone.</div>\n");
        }
        else if (app.IntentUrl is { } intent)
        {
            page.Append("<a class=\"open\" href=\"").Append(html.Encode(intent)).Append("\">Open in ").Append(name).Append("</a>\n");
        }

        if (app.SmartAppBanner is not null)
        {
            page.Append("<p class=\"ios\">Tap <b>Open</b> in the ").Append(name).Append(" banner at the top of the screen.</p>\n");
        }

        // What keeps the secret: the link in the message itself carries its fragment, which this page cannot pass on.
        page.Append(desktop ? "<p class=\"small ios\">" : "<p class=\"small\">")
            .Append("Or go back to the message, touch and hold the link, and choose Open in ").Append(name).Append(".</p>\n");
        if (app.AppStoreUrl is not null || app.PlayStoreUrl is not null)
        {
            page.Append("<p class=\"small\">No ").Append(name).Append(" yet? Get it on ");
            if (app.AppStoreUrl is { } appStore)
            {
                page.Append("<a href=\"").Append(html.Encode(appStore)).Append("\">the App Store</a>");
            }

            if (app.AppStoreUrl is not null && app.PlayStoreUrl is not null)
            {
                page.Append(" or ");
            }

            if (app.PlayStoreUrl is { } play)
            {
                page.Append("<a href=\"").Append(html.Encode(play)).Append("\">Google Play</a>");
            }

            page.Append(".</p>\n");
        }
    }

    private static string PolicyFor(string style) =>
        "default-src 'none'; img-src https:; style-src 'sha256-"
        + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style)))
        + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>A URL inside a double-quoted CSS string: anything but unreserved URL characters as a CSS hex escape.</summary>
    private static string CssString(string url)
    {
        var css = new StringBuilder(url.Length + 16);
        foreach (var c in url)
        {
            if (char.IsAsciiLetterOrDigit(c) || "-._~:/?#[]@!$&*+,;=%".Contains(c, StringComparison.Ordinal))
            {
                css.Append(c);
            }
            else
            {
                css.Append('\\').Append(((int)c).ToString("x", CultureInfo.InvariantCulture)).Append(' ');
            }
        }

        return css.ToString();
    }
}
