using System.Net;
using System.Text.Json;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>A relay that names its wallet apps (AppLinks__*, docs/apps.md): two iOS apps, one Android app with two certificates.</summary>
public sealed class AppLinksFixture() : RelayHostFixture(Settings)
{
    public const string AppleAppIds = "ABCDE12345.com.example.wallet,FGHIJ67890.com.example.wallet.beta";
    public const string Package = "com.example.wallet";
    public const string Fingerprints =
        "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5,"
        + "a0:83:42:e6:1d:be:a8:8a:04:96:b2:3f:cf:44:e5:14:6d:e9:83:c5:73:06:50:d8:ee:b9:95:2f:34:fc:64:16";

    public static readonly Dictionary<string, string> Settings = new()
    {
        ["RateLimiting__Enabled"] = "false",
        ["AppLinks__AppleAppIds"] = AppleAppIds,
        ["AppLinks__AndroidPackageName"] = Package,
        ["AppLinks__AndroidCertificateFingerprints"] = Fingerprints,
        ["AppLinks__AppName"] = "Example Wallet",
        ["AppLinks__AppStoreUrl"] = "https://apps.apple.com/us/app/example-wallet/id123456789",
        ["AppLinks__PlayStoreUrl"] = "https://play.google.com/store/apps/details?id=com.example.wallet",
    };

    public RelayClient Client { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Client = new RelayClient(OpenApiContract.CreateClient(Relay)); // every response is checked against docs/openapi.yaml
    }
}

/// <summary>
/// The association files on the relay's own domain (docs/apps.md), on whichever host this run uses: the JSON each
/// holds for the settings, field by field; served as application/json, without a redirect, cacheable; HEAD alike;
/// and Apple's components open a real share link and nothing else the relay serves.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class AppLinksTests(AppLinksFixture fixture) : IClassFixture<AppLinksFixture>
{
    private static readonly string[] AppIds = AppLinksFixture.AppleAppIds.Split(',');

    [Fact]
    public async Task The_Apple_file_names_each_app_and_the_share_link_path_as_application_json_without_a_redirect()
    {
        using var response = await fixture.Client.SendAsync(HttpMethod.Get, ".well-known/apple-app-site-association", null, null, null);

        AssertServedAsAssociationFile(response, ".well-known/apple-app-site-association");
        using var file = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var applinks = Assert.Single(file.RootElement.EnumerateObject());
        Assert.Equal("applinks", applinks.Name);
        var details = Assert.Single(applinks.Value.GetProperty("details").EnumerateArray());
        Assert.Equal(["appIDs", "components"], details.EnumerateObject().Select(p => p.Name));
        Assert.Equal(AppIds, details.GetProperty("appIDs").EnumerateArray().Select(a => a.GetString()));
        var component = Assert.Single(details.GetProperty("components").EnumerateArray());
        Assert.Equal("/v1/m/????????-????-????-????-????????????", component.GetProperty("/").GetString());
        Assert.False(component.TryGetProperty("exclude", out _));
        Assert.False(component.TryGetProperty("?", out _)); // any query: ?v= (later revisions)
        Assert.False(component.TryGetProperty("#", out _)); // any fragment: the secret (§8.3)
    }

    [Fact]
    public async Task The_Android_file_delegates_the_sites_links_to_the_package_and_its_certificates()
    {
        using var response = await fixture.Client.SendAsync(HttpMethod.Get, ".well-known/assetlinks.json", null, null, null);

        AssertServedAsAssociationFile(response, ".well-known/assetlinks.json");
        using var file = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var statement = Assert.Single(file.RootElement.EnumerateArray());
        Assert.Equal(["relation", "target"], statement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["delegate_permission/common.handle_all_urls"], statement.GetProperty("relation").EnumerateArray().Select(r => r.GetString()));
        var target = statement.GetProperty("target");
        Assert.Equal(["namespace", "package_name", "sha256_cert_fingerprints"], target.EnumerateObject().Select(p => p.Name));
        Assert.Equal("android_app", target.GetProperty("namespace").GetString());
        Assert.Equal(AppLinksFixture.Package, target.GetProperty("package_name").GetString());
        // Upper case: Android compares fingerprints as Google's tools print them.
        Assert.Equal(AppLinksFixture.Fingerprints.ToUpperInvariant().Split(','),
            target.GetProperty("sha256_cert_fingerprints").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task The_Apple_components_open_a_real_share_link_and_none_of_the_relays_other_paths()
    {
        using var apple = await fixture.Client.SendAsync(HttpMethod.Get, ".well-known/apple-app-site-association", null, null, null);
        var association = AppleAppSiteAssociation.Parse(await apple.Content.ReadAsStringAsync());
        using var created = await fixture.Client.CreateAsync(RelayClient.CreateBody(RelayClient.NewId()), RelayClient.NewId());
        var urlLink = new Uri((await RelayClient.ReadJsonAsync(created))["urlLink"]!.GetValue<string>());
        var id = urlLink.Segments[^1];
        var origin = urlLink.GetLeftPart(UriPartial.Authority);

        foreach (var appId in AppIds)
        {
            // As the sender hands it out: the link itself, with the credential vertical, with the secret as fragment (§8.3).
            Assert.True(association.Opens(appId, urlLink), urlLink.ToString());
            Assert.True(association.Opens(appId, new Uri(urlLink + "?v=c")));
            Assert.True(association.Opens(appId, new Uri(urlLink + "?v=h#q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJ")));
        }

        string[] others =
        [
            "/", "/v1/m", "/v1/m/", "/v1/openapi.yaml", "/.well-known/apple-app-site-association", "/.well-known/assetlinks.json",
            $"/v1/m/{id}/", $"/v1/m/{id}/extra", $"/v1/m/{id}x", $"/v1/m/{id[..^1]}", $"/v2/m/{id}", $"/V1/M/{id}", $"/prefix/v1/m/{id}",
        ];
        Assert.All(others, path => Assert.False(association.Opens(AppIds[0], new Uri(origin + path)), path));
        Assert.False(association.Opens("ZZZZZ99999.com.example.other", urlLink)); // only the apps it names
    }

    [Theory]
    [InlineData(".well-known/apple-app-site-association")]
    [InlineData(".well-known/assetlinks.json")]
    public async Task HEAD_answers_what_GET_does_without_the_file(string path)
    {
        using var get = await fixture.Client.SendAsync(HttpMethod.Get, path, null, null, null);
        using var head = await fixture.Client.SendAsync(HttpMethod.Head, path, null, null, null);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType, head.Content.Headers.ContentType);
        Assert.Equal((await get.Content.ReadAsByteArrayAsync()).Length, head.Content.Headers.ContentLength);
        Assert.Equal(get.Headers.CacheControl, head.Headers.CacheControl);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_POST_to_an_association_file_is_405_naming_GET_and_HEAD()
    {
        using var response = await fixture.Relay.CreateClient().PostAsync(".well-known/assetlinks.json", null);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(["GET", "HEAD"], response.Content.Headers.Allow);
    }

    private static void AssertServedAsAssociationFile(HttpResponseMessage response, string path)
    {
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/" + path, response.RequestMessage!.RequestUri!.AbsolutePath); // no redirect was followed
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl is { Public: true, MaxAge.TotalSeconds: 3600 }, $"Cache-Control: {response.Headers.CacheControl}");
    }
}

/// <summary>A relay that names no app: both files are problem+json 404 (the shared relay of the suite has no AppLinks__*).</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class AppLinksUnconfiguredTests(RelayFixture fixture)
{
    [Theory]
    [InlineData(".well-known/apple-app-site-association", "AppLinks__AppleAppIds")]
    [InlineData(".well-known/assetlinks.json", "AppLinks__AndroidPackageName")]
    public async Task Without_settings_each_file_is_a_problem_404_naming_the_setting(string path, string setting)
    {
        using var get = await fixture.Client.SendAsync(HttpMethod.Get, path, null, null, null);
        using var head = await fixture.Client.SendAsync(HttpMethod.Head, path, null, null, null);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
        Assert.Contains(setting, await RelayClient.ProblemDetailAsync(get), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync());
    }
}
