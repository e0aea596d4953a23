using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// The preview page (draft §6.4) in a real headless Chromium. Hostile display information runs nothing and injects
/// nothing: a canary listener that every payload tries to reach hears nothing, the DOM holds no injected element or
/// attribute, and the page title is the hostile text, shown as text. A positive control serves the same payloads
/// unescaped and without CSP from the canary itself, and there they do fire, so the canary would notice.
/// </summary>
[Trait(Needs.Trait, Needs.Chromium)]
public sealed partial class PreviewBrowserTests
{
    private const string Pwned = "PWNED-BY-PREVIEW";

    /// <summary>Payloads that each try to run script, change the title, navigate or fetch the canary.</summary>
    private static JsonObject HostileDisplay(Uri canary, string variant) => variant switch
    {
        "script" => new JsonObject
        {
            ["title"] = $"</title><script>document.title='{Pwned}';fetch('{canary}script')</script>",
            ["description"] = $"<img src=x onerror=\"document.title='{Pwned}';fetch('{canary}onerror')\"><svg onload=\"fetch('{canary}svg')\"></svg>",
            ["imageURL"] = $"javascript:fetch('{canary}javascript-url')",
        },
        "attributes" => new JsonObject
        {
            ["title"] = $"\" onmouseover=\"fetch('{canary}title-attr')\" x=\"",
            ["description"] = $"'><iframe src=\"{canary}iframe\"></iframe><a href=\"javascript:fetch('{canary}a')\" id=\"injected-link\">x</a>",
            ["imageURL"] = $"https://img.example/x.png\" onerror=\"fetch('{canary}img-attr')\" data-x=\"",
        },
        _ => new JsonObject
        {
            ["title"] = $"<meta http-equiv=\"refresh\" content=\"0;url={canary}refresh\">",
            ["description"] = $"<style>body{{background:url({canary}css)}}</style><link rel=\"stylesheet\" href=\"{canary}link\"><base href=\"{canary}\">",
            ["imageURL"] = $"{canary}http-image",
        },
    };

    [Fact]
    public async Task Hostile_display_information_runs_nothing_in_a_real_browser()
    {
        await using var canary = new CanaryListener();
        await using var relay = await RelayHost.StartAsync();
        using var http = relay.CreateClient();

        foreach (var variant in new[] { "script", "attributes", "refresh-and-css" })
        {
            var id = RelayClient.NewId();
            var display = HostileDisplay(canary.BaseAddress, variant);
            await new RelayClient(http).CreateMailboxAsync(RelayClient.CreateBody(id, display: display), RelayClient.NewId());
            var preview = new Uri(relay.BaseAddress, "v1/m/" + id);

            using (var response = await http.GetAsync(preview))
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var csp = string.Join(",", response.Headers.GetValues("Content-Security-Policy"));
                Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
            }

            var dom = await Chromium.DumpDomAsync(preview);
            Assert.Contains("Secure Credential Transfer", dom, StringComparison.Ordinal); // the page did render

            // No element or attribute beyond the page's own: no script, frames, svg, links, base, refresh, handlers.
            // Chromium serialises attribute values in double quotes with quotes escaped, so the tags parse reliably.
            foreach (var (tag, attributes) in Tags(dom))
            {
                Assert.Contains(tag, PageTags);
                Assert.All(attributes, name => Assert.Contains(name, PageAttributes));
            }

            Assert.Equal(["<meta charset=", "<meta name=\"viewport\"", "<meta name=\"robots\""], Regex.Matches(dom, "<meta (charset=|name=\"[a-z]+\")").Select(m => m.Value));
            Assert.DoesNotContain("<img", dom, StringComparison.Ordinal); // an image is a CSS background (PreviewPage), never an element

            // The hostile title is shown as text, and the document's title is not the one the payload set.
            Assert.DoesNotContain("<title>" + Pwned, dom, StringComparison.Ordinal);
            var title = (string)display["title"]!;
            Assert.Contains(WebUtility.HtmlEncode(title).Replace("&#39;", "'", StringComparison.Ordinal).Replace("&quot;", "\"", StringComparison.Ordinal), dom, StringComparison.Ordinal);
        }

        await canary.SettleAsync(); // late beacons
        Assert.Empty(canary.Hits);
    }

    [Fact]
    public async Task Positive_control_the_same_payloads_unescaped_and_without_CSP_do_reach_the_canary()
    {
        await using var canary = new CanaryListener();
        var display = HostileDisplay(canary.BaseAddress, "script");
        var page = canary.Serve("control", $"<!DOCTYPE html><html><head><title>{display["title"]}</title></head><body><p>{display["description"]}</p></body></html>");

        var dom = await Chromium.DumpDomAsync(page);

        await canary.SettleAsync();
        Assert.Contains($"<title>{Pwned}</title>", dom, StringComparison.Ordinal);
        Assert.Contains("script", canary.Hits);
        Assert.Contains("onerror", canary.Hits);
        // ...and the DOM check of the other test sees the injected elements and handlers.
        Assert.Contains(Tags(dom), t => t.Tag == "script");
        Assert.Contains(Tags(dom), t => t.Attributes.Contains("onerror"));
    }

    /// <summary>What the preview page itself is made of (PreviewPage.Render); anything else was injected.</summary>
    private static readonly string[] PageTags = ["html", "head", "meta", "title", "style", "body", "main", "div", "span", "h1", "p", "footer"];

    private static readonly string[] PageAttributes = ["lang", "prefix", "charset", "name", "content", "property", "class", "aria-hidden", "dir"];

    private static IEnumerable<(string Tag, string[] Attributes)> Tags(string dom) =>
        TagPattern().Matches(dom).Select(m => (m.Groups[1].Value.ToLowerInvariant(),
            AttributePattern().Matches(m.Groups[2].Value).Select(a => a.Groups[1].Value.ToLowerInvariant()).ToArray()));

    [GeneratedRegex("<([a-zA-Z][a-zA-Z0-9-]*)((?:\\s+[^\\s=>/]+(?:=\"[^\"]*\")?)*)\\s*/?>")]
    private static partial Regex TagPattern();

    [GeneratedRegex("\\s+([^\\s=>/]+)(?:=\"[^\"]*\")?")]
    private static partial Regex AttributePattern();
}
