using ScTransfer.Relay.Http;
using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The check the association tests rely on (<see cref="AppleAppSiteAssociation"/>) decides as Apple documents, on
/// Apple's own example (WWDC 2019, "What's New in Universal Links"), so a wrong file cannot pass by a wrong check.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class AppleAppSiteAssociationTests
{
    private const string App = "ABCDE12345.com.example.app";

    private static readonly AppleAppSiteAssociation Example = AppleAppSiteAssociation.Parse("""
        {"applinks":{"details":[{"appIDs":["ABCDE12345.com.example.app"],"components":[
          {"#":"no_universal_links","exclude":true},
          {"/":"/buy/*"},
          {"/":"/help/website/*","exclude":true},
          {"/":"/help/*","?":{"articleNumber":"????"}},
          {"/":"/Case/?","caseSensitive":false}
        ]}]}}
        """);

    [Theory]
    [InlineData("/buy/", true)]
    [InlineData("/buy/a/b/c", true)] // * crosses slashes
    [InlineData("/buy/x#no_universal_links", false)] // the first matching component excludes
    [InlineData("/buy/x#other", true)]
    [InlineData("/help/website/faq", false)]
    [InlineData("/help/faq?articleNumber=1234", true)]
    [InlineData("/help/faq?x=1&articleNumber=1234", true)]
    [InlineData("/help/faq?articleNumber=123", false)] // ? is exactly one character
    [InlineData("/help/faq", false)]
    [InlineData("/case/x", true)]
    [InlineData("/case/xy", false)]
    [InlineData("/sell/x", false)] // no component matches
    public void A_URL_opens_the_app_as_the_first_matching_component_says(string pathAndMore, bool opens)
    {
        Assert.Equal(opens, Example.Opens(App, new Uri("https://example.com" + pathAndMore)));
    }

    [Fact]
    public void Only_the_apps_the_file_names_open_anything()
    {
        Assert.False(Example.Opens("ZZZZZ99999.com.example.other", new Uri("https://example.com/buy/x")));
    }

    [Theory]
    [InlineData("https://relay.example.com", "/v1/m/????????-????-????-????-????????????")]
    [InlineData("https://example.com/relay/", "/relay/v1/m/????????-????-????-????-????????????")]
    public void The_relays_pattern_is_the_share_link_path_under_the_public_base_url(string publicBaseUrl, string pattern)
    {
        var links = new ShareLinks(PublicBaseUrl.From(new RelayOptions { PublicBaseUrl = publicBaseUrl }));
        var app = new AppLinks(Microsoft.Extensions.Options.Options.Create(new AppLinksOptions { AppleAppIds = App, AppName = "Example" }), links);
        var association = AppleAppSiteAssociation.Parse(System.Text.Encoding.UTF8.GetString(app.AppleAssociation!.Value.Span));
        var id = Relay.Protocol.MailboxId.New();

        Assert.Equal(pattern, app.SharePathPattern);
        Assert.True(association.Opens(App, new Uri(links.For(id) + "?v=a#secret")));
        Assert.False(association.Opens(App, new Uri(new Uri(publicBaseUrl), "/v1/openapi.yaml")));
    }
}
