using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Functions.Http;

/// <summary>
/// The OpenGraph preview of a share (draft §6.4): what a messaging app's link preview and a person opening the
/// link in a browser see. Every value is HTML-escaped; the page has no script, and its Content-Security-Policy
/// allows only its own stylesheet (by hash) and https images, so hostile display information cannot run.
/// </summary>
internal static class PreviewPage
{
    private const string Style =
        "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;background:#f3f5f9;color:#1c2333;"
        + "display:flex;min-height:100vh;align-items:center;justify-content:center}"
        + "main{background:#fff;border-radius:20px;box-shadow:0 10px 40px rgba(20,30,60,.12);max-width:420px;width:calc(100% - 32px);overflow:hidden}"
        + ".art{height:200px;background:linear-gradient(135deg,#3459d9,#6a3fd1);display:flex;align-items:center;justify-content:center}"
        + ".art img{width:100%;height:200px;object-fit:cover}.art span{font-size:72px;color:#fff}"
        + ".text{padding:24px 28px 28px}h1{font-size:24px;margin:0 0 8px;overflow-wrap:anywhere}"
        + "p{margin:0 0 16px;color:#4a5368;overflow-wrap:anywhere}"
        + ".how{font-size:14px;background:#f3f5f9;border-radius:12px;padding:12px 14px;color:#4a5368}"
        + "footer{font-size:12px;color:#8a93a6;margin-top:16px}";

    /// <summary>No script, no frames, no forms; the one inline stylesheet by hash; images only over https.</summary>
    public static readonly string ContentSecurityPolicy =
        "default-src 'none'; img-src https:; style-src 'sha256-"
        + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Style)))
        + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static string Render(DisplayInformation display, string shareUrl)
    {
        var html = HtmlEncoder.Default;
        var title = html.Encode(string.IsNullOrWhiteSpace(display.Title) ? "A shared credential" : display.Title);
        var description = html.Encode(display.Description ?? "");
        var url = html.Encode(shareUrl);
        // Only an absolute https URL becomes an image: javascript:, data: and relative URLs are dropped.
        var image = Uri.TryCreate(display.ImageUrl, UriKind.Absolute, out var imageUri) && imageUri.Scheme == Uri.UriSchemeHttps
            ? html.Encode(imageUri.AbsoluteUri)
            : null;

        var page = new StringBuilder(2048);
        page.Append("<!DOCTYPE html>\n<html lang=\"en\" prefix=\"og: https://ogp.me/ns#\">\n<head>\n<meta charset=\"utf-8\">\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n")
            .Append("<meta name=\"robots\" content=\"noindex,nofollow\">\n")
            .Append("<title>").Append(title).Append("</title>\n")
            .Append("<meta property=\"og:title\" content=\"").Append(title).Append("\">\n")
            .Append("<meta property=\"og:description\" content=\"").Append(description).Append("\">\n")
            .Append("<meta property=\"og:type\" content=\"website\">\n")
            .Append("<meta property=\"og:url\" content=\"").Append(url).Append("\">\n");
        if (image is not null)
        {
            page.Append("<meta property=\"og:image\" content=\"").Append(image).Append("\">\n");
        }

        page.Append("<style>").Append(Style).Append("</style>\n</head>\n<body>\n<main>\n<div class=\"art\">");
        page.Append(image is not null ? $"<img src=\"{image}\" alt=\"\">" : "<span aria-hidden=\"true\">&#128273;</span>");
        page.Append("</div>\n<div class=\"text\">\n<h1>").Append(title).Append("</h1>\n");
        if (description.Length > 0)
        {
            page.Append("<p>").Append(description).Append("</p>\n");
        }

        page.Append("<div class=\"how\">Someone shared this key with you. Open the link on the phone or watch where you keep your ")
            .Append("keys to add it to your wallet. The key itself is end-to-end encrypted: this page cannot show it.</div>\n")
            .Append("<footer>Secure Credential Transfer</footer>\n</div>\n</main>\n</body>\n</html>\n");
        return page.ToString();
    }
}
