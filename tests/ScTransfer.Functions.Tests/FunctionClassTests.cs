using ScTransfer.Relay;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

// One happy path and one refusal per function class, run in process behind the pipeline on the services both hosts
// register (FunctionHarness).
// The end-to-end proofs over both hosts, every error path included, stay in ScTransfer.IntegrationTests.

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class CreateMailboxFunctionTests : IDisposable
{
    private readonly FunctionHarness _relay = new();

    [Fact]
    public async Task A_create_stores_the_mailbox_and_answers_its_link_under_the_configured_public_url()
    {
        var id = MailboxId.New();
        var http = _relay.Request("POST", "/v1/m", DeviceClaim.New(), FunctionHarness.CreateBody(id));

        var answer = await _relay.RunAsync<CreateMailbox>(http, f => f.Run(http.Request, default));

        Assert.Equal(200, answer.Status);
        // §6.1.5 urlLink: from Relay:PublicBaseUrl, never from the request's Host header.
        Assert.Equal(FunctionHarness.Link(id), answer.Json.GetProperty("urlLink").GetString());
        Assert.False(answer.Json.GetProperty("isPushNotificationSupported").GetBoolean());
        Assert.Equal("no-store", answer.Headers.CacheControl.ToString());
        Assert.NotNull(await _relay.Store.GetAsync(id, MailboxView.Full, default));
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_400_and_nothing_is_stored()
    {
        var http = _relay.Request("POST", "/v1/m", DeviceClaim.New(), "{not json");

        var answer = await _relay.RunAsync<CreateMailbox>(http, f => f.Run(http.Request, default));

        Assert.Equal(400, answer.Status);
        Assert.True(answer.IsProblem);
        Assert.Equal(0, _relay.Store.Count);
        Assert.Equal(0, _relay.Store.Writes);
    }

    [Fact]
    public async Task Without_a_Privacy_Pass_token_where_one_is_required_the_answer_is_a_401_challenge_and_nothing_is_stored()
    {
        using var issuer = new PrivacyPassTestIssuer();
        using var relay = new FunctionHarness(new Dictionary<string, string?>
        {
            ["PrivacyPass:CreateMailbox"] = "Required",
            ["PrivacyPass:IssuerName"] = "issuer.test.example",
            ["PrivacyPass:IssuerPublicKeys"] = issuer.SpkiBase64,
        });
        var http = relay.Request("POST", "/v1/m", DeviceClaim.New(), FunctionHarness.CreateBody(MailboxId.New()));

        var answer = await relay.RunAsync<CreateMailbox>(http, f => f.Run(http.Request, default));

        Assert.Equal(401, answer.Status);
        Assert.True(answer.IsProblem);
        Assert.StartsWith("PrivateToken challenge=", answer.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, relay.Store.Writes);
    }

    public void Dispose() => _relay.Dispose();
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class ReadDisplayInformationFunctionTests : IDisposable
{
    private readonly FunctionHarness _relay = new();

    [Fact]
    public async Task The_preview_is_an_html_page_with_the_title_and_its_content_security_policy()
    {
        var id = await _relay.CreatedAsync(DeviceClaim.New());
        var http = _relay.Request("GET", $"/v1/m/{id}");

        var answer = await _relay.RunAsync<ReadDisplayInformation>(http, f => f.Run(http.Request, id.ToString(), default));

        Assert.Equal(200, answer.Status);
        Assert.StartsWith("text/html", answer.ContentType, StringComparison.Ordinal);
        Assert.Contains("<title>Car Key</title>", answer.Body, StringComparison.Ordinal);
        Assert.Contains(FunctionHarness.Link(id), answer.Body, StringComparison.Ordinal);
        Assert.Equal(PreviewPage.ContentSecurityPolicy, answer.Headers.ContentSecurityPolicy.ToString());
    }

    [Fact]
    public async Task An_unknown_mailbox_is_404_without_a_page()
    {
        var http = _relay.Request("GET", "/v1/m/x");

        var answer = await _relay.RunAsync<ReadDisplayInformation>(http, f => f.Run(http.Request, MailboxId.New().ToString(), default));

        Assert.Equal(404, answer.Status);
        Assert.True(answer.IsProblem);
    }

    [Fact]
    public async Task A_browser_asking_for_an_unknown_mailbox_gets_the_404_page()
    {
        var http = _relay.Request("GET", "/v1/m/x");
        http.Request.Headers.Accept = "text/html,application/xhtml+xml,*/*;q=0.8";

        var answer = await _relay.RunAsync<ReadDisplayInformation>(http, f => f.Run(http.Request, MailboxId.New().ToString(), default));

        Assert.Equal(404, answer.Status);
        Assert.StartsWith("text/html", answer.ContentType, StringComparison.Ordinal);
        Assert.Contains("ask the sender to share again", answer.Body, StringComparison.Ordinal);
        Assert.Equal(PreviewPage.ContentSecurityPolicy, answer.Headers.ContentSecurityPolicy.ToString());
    }

    [Fact]
    public async Task HEAD_answers_the_status_and_headers_of_GET_without_the_page()
    {
        var id = await _relay.CreatedAsync(DeviceClaim.New());
        var get = _relay.Request("GET", $"/v1/m/{id}");
        var head = _relay.Request("HEAD", $"/v1/m/{id}");

        var page = await _relay.RunAsync<ReadDisplayInformation>(get, f => f.Run(get.Request, id.ToString(), default));
        var answer = await _relay.RunAsync<ReadDisplayInformation>(head, f => f.Run(head.Request, id.ToString(), default));

        Assert.Equal(200, answer.Status);
        Assert.Equal("", answer.Body);
        Assert.Equal(System.Text.Encoding.UTF8.GetByteCount(page.Body), answer.Headers.ContentLength);
        Assert.Equal(page.Headers.ContentSecurityPolicy.ToString(), answer.Headers.ContentSecurityPolicy.ToString());
        Assert.Equal(page.ContentType, answer.ContentType);
    }

    [Fact]
    public async Task With_an_app_configured_the_page_opens_it_with_the_vertical_handed_on()
    {
        using var relay = new FunctionHarness(AppLinkSettings.Both);
        var id = await relay.CreatedAsync(DeviceClaim.New());
        var http = relay.Request("GET", $"/v1/m/{id}");
        http.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString("?v=c");

        var answer = await relay.RunAsync<ReadDisplayInformation>(http, f => f.Run(http.Request, id.ToString(), default));

        Assert.Equal(200, answer.Status);
        Assert.Contains("Someone shared a car key with you", answer.Body, StringComparison.Ordinal);
        Assert.Contains($"href=\"intent://relay.test.example/v1/m/{id}?v=c#Intent;scheme=https;package=com.example.wallet;S.browser_fallback_url=https%3A%2F%2Fplay.google.com%2Fstore%2Fapps%2Fdetails%3Fid%3Dcom.example.wallet;end\">Open in Example Wallet</a>", answer.Body, StringComparison.Ordinal);
        Assert.Contains($"<meta name=\"apple-itunes-app\" content=\"app-id=123456789, app-argument={FunctionHarness.Link(id)}?v=c\">", answer.Body, StringComparison.Ordinal);
    }

    public void Dispose() => _relay.Dispose();
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class ReadSecureContentFunctionTests : IDisposable
{
    private readonly FunctionHarness _relay = new();

    [Fact]
    public async Task The_first_reader_binds_and_gets_the_payload()
    {
        var receiver = DeviceClaim.New();
        var id = await _relay.CreatedAsync(DeviceClaim.New());
        var http = _relay.Request("POST", $"/v1/m/{id}", receiver);

        var answer = await _relay.RunAsync<ReadSecureContent>(http, f => f.Run(http.Request, id.ToString(), default));

        Assert.Equal(200, answer.Status);
        Assert.Equal("AES256", answer.Json.GetProperty("payload").GetProperty("type").GetString());
        Assert.Equal(new byte[32], answer.Json.GetProperty("payload").GetProperty("data").GetBytesFromBase64());
        Assert.Equal("Car Key", answer.Json.GetProperty("displayInformation").GetProperty("title").GetString());
        Assert.Equal("no-store", answer.Headers.CacheControl.ToString());
    }

    [Fact]
    public async Task A_second_receiver_is_refused_once_one_is_bound()
    {
        var id = await _relay.CreatedAsync(DeviceClaim.New(), receiver: DeviceClaim.New());
        var writes = _relay.Store.Writes;
        var http = _relay.Request("POST", $"/v1/m/{id}", DeviceClaim.New());

        var answer = await _relay.RunAsync<ReadSecureContent>(http, f => f.Run(http.Request, id.ToString(), default));

        Assert.Equal(401, answer.Status);
        Assert.True(answer.IsProblem);
        Assert.DoesNotContain("AES256", answer.Body, StringComparison.Ordinal);
        Assert.Equal(writes, _relay.Store.Writes);
    }

    public void Dispose() => _relay.Dispose();
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class UpdateMailboxFunctionTests : IDisposable
{
    private readonly FunctionHarness _relay = new();

    // §6.2.4: an update carries the updater's notification token; with Notification Hubs unset, pushes are not supported.
    private static string UpdateBody(byte fill) =>
        $$$"""{"payload":{"type":"AES256","data":"{{{Convert.ToBase64String(Enumerable.Repeat(fill, 32).ToArray())}}}"},"notificationToken":{"type":"{{{NotificationToken.Apns}}}","tokenData":"0a1b2c3d"}}""";

    [Fact]
    public async Task The_sender_replaces_the_payload()
    {
        var sender = DeviceClaim.New();
        var id = await _relay.CreatedAsync(sender);
        var http = _relay.Request("PUT", $"/v1/m/{id}", sender, UpdateBody(7));

        var answer = await _relay.RunAsync<UpdateMailbox>(http, f => f.Run(http.Request, id.ToString(), default));

        Assert.Equal(200, answer.Status);
        Assert.False(answer.Json.GetProperty("isPushNotificationSupported").GetBoolean());
        Assert.Equal(Enumerable.Repeat((byte)7, 32), (await _relay.Store.GetAsync(id, MailboxView.Full, default))!.Payload!.Data);
    }

    [Fact]
    public async Task A_stranger_is_refused_and_the_payload_stays()
    {
        var id = await _relay.CreatedAsync(DeviceClaim.New());
        var http = _relay.Request("PUT", $"/v1/m/{id}", DeviceClaim.New(), UpdateBody(7));

        var answer = await _relay.RunAsync<UpdateMailbox>(http, f => f.Run(http.Request, id.ToString(), default));

        Assert.Equal(401, answer.Status);
        Assert.Equal(new byte[32], (await _relay.Store.GetAsync(id, MailboxView.Full, default))!.Payload!.Data);
    }

    public void Dispose() => _relay.Dispose();
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelinquishMailboxFunctionTests : IDisposable
{
    private readonly FunctionHarness _relay = new();

    [Fact]
    public async Task The_bound_receiver_lets_go_so_another_can_bind()
    {
        var receiver = DeviceClaim.New();
        var id = await _relay.CreatedAsync(DeviceClaim.New(), receiver);
        var http = _relay.Request("PATCH", $"/v1/m/{id}", receiver);

        var answer = await _relay.RunAsync<RelinquishMailbox>(http, f => f.Run(http.Request, id.ToString(), default));

        Assert.Equal(200, answer.Status);
        Assert.Equal(200, (await _relay.Mailboxes.ReadAsync(id, DeviceClaim.New(), default)).Status);
    }

    [Fact]
    public async Task The_sender_cannot_relinquish_and_the_receiver_stays_bound()
    {
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var id = await _relay.CreatedAsync(sender, receiver);
        var http = _relay.Request("PATCH", $"/v1/m/{id}", sender);

        var answer = await _relay.RunAsync<RelinquishMailbox>(http, f => f.Run(http.Request, id.ToString(), default));

        Assert.Equal(401, answer.Status);
        Assert.Equal(200, (await _relay.Mailboxes.ReadAsync(id, receiver, default)).Status);
        Assert.Equal(401, (await _relay.Mailboxes.ReadAsync(id, DeviceClaim.New(), default)).Status);
    }

    public void Dispose() => _relay.Dispose();
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class DeleteMailboxFunctionTests : IDisposable
{
    private readonly FunctionHarness _relay = new();

    [Fact]
    public async Task The_sender_deletes_and_the_mailbox_is_gone()
    {
        var sender = DeviceClaim.New();
        var id = await _relay.CreatedAsync(sender);
        var http = _relay.Request("DELETE", $"/v1/m/{id}", sender);

        var answer = await _relay.RunAsync<DeleteMailbox>(http, f => f.Run(http.Request, id.ToString(), default));

        Assert.Equal(200, answer.Status);
        Assert.Equal(404, (await _relay.Mailboxes.PreviewAsync(id, default)).Status);
    }

    [Fact]
    public async Task A_malformed_identifier_is_400_and_nothing_is_touched()
    {
        var sender = DeviceClaim.New();
        var id = await _relay.CreatedAsync(sender);
        var (reads, writes) = (_relay.Store.Reads, _relay.Store.Writes);
        var http = _relay.Request("DELETE", "/v1/m/not-a-uuid", sender);

        var answer = await _relay.RunAsync<DeleteMailbox>(http, f => f.Run(http.Request, "not-a-uuid", default));

        Assert.Equal(400, answer.Status);
        Assert.Equal((reads, writes), (_relay.Store.Reads, _relay.Store.Writes));
        Assert.Equal(200, (await _relay.Mailboxes.PreviewAsync(id, default)).Status);
    }

    public void Dispose() => _relay.Dispose();
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class GetOpenApiDescriptionFunctionTests : IDisposable
{
    private readonly FunctionHarness _relay = new();

    [Fact]
    public async Task The_description_is_the_embedded_docs_openapi_yaml()
    {
        var http = _relay.Request("GET", "/v1/openapi.yaml");

        var answer = await _relay.RunAsync<GetOpenApiDescription>(http, f => f.Run(http.Request));

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/yaml; charset=utf-8", answer.ContentType);
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "docs", "openapi.yaml")), answer.Body);
    }

    public void Dispose() => _relay.Dispose();
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class AssociationFileFunctionTests : IDisposable
{
    private readonly FunctionHarness _configured = new(AppLinkSettings.Both);
    private readonly FunctionHarness _unconfigured = new();

    [Fact]
    public async Task The_Apple_file_names_the_apps_and_exactly_the_share_link_path_and_may_be_cached()
    {
        var http = _configured.Request("GET", "/.well-known/apple-app-site-association");
        var answer = await _configured.RunAsync<GetAppleAppSiteAssociation>(http, f => f.Run(http.Request));

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/json; charset=utf-8", answer.ContentType);
        Assert.Equal(AppLinks.CacheControl, answer.Headers.CacheControl.ToString());
        var details = Assert.Single(answer.Json.GetProperty("applinks").GetProperty("details").EnumerateArray());
        Assert.Equal(["ABCDE12345.com.example.wallet", "FGHIJ67890.com.example.wallet.beta"], details.GetProperty("appIDs").EnumerateArray().Select(a => a.GetString()));
        var component = Assert.Single(details.GetProperty("components").EnumerateArray());
        Assert.Equal("/v1/m/????????-????-????-????-????????????", component.GetProperty("/").GetString());
    }

    [Fact]
    public async Task The_Android_file_is_a_statement_list_for_the_package_and_its_certificates()
    {
        var http = _configured.Request("GET", "/.well-known/assetlinks.json");
        var answer = await _configured.RunAsync<GetAssetLinks>(http, f => f.Run(http.Request));

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/json; charset=utf-8", answer.ContentType);
        var statement = Assert.Single(answer.Json.EnumerateArray());
        Assert.Equal(["delegate_permission/common.handle_all_urls"], statement.GetProperty("relation").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("com.example.wallet", statement.GetProperty("target").GetProperty("package_name").GetString());
        Assert.Equal(AppLinkSettings.Fingerprints.Split(',').Select(f => f.ToUpperInvariant()),
            statement.GetProperty("target").GetProperty("sha256_cert_fingerprints").EnumerateArray().Select(f => f.GetString()));
    }

    [Fact]
    public async Task Without_settings_both_files_are_a_problem_404()
    {
        var apple = _unconfigured.Request("GET", "/.well-known/apple-app-site-association");
        var android = _unconfigured.Request("GET", "/.well-known/assetlinks.json");

        var appleAnswer = await _unconfigured.RunAsync<GetAppleAppSiteAssociation>(apple, f => f.Run(apple.Request));
        var androidAnswer = await _unconfigured.RunAsync<GetAssetLinks>(android, f => f.Run(android.Request));

        Assert.Equal((404, true), (appleAnswer.Status, appleAnswer.IsProblem));
        Assert.Equal((404, true), (androidAnswer.Status, androidAnswer.IsProblem));
        Assert.Contains("AppLinks__AppleAppIds", appleAnswer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("AppLinks__AndroidPackageName", androidAnswer.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serving_them_touches_no_storage()
    {
        var http = _configured.Request("GET", "/.well-known/assetlinks.json");

        await _configured.RunAsync<GetAssetLinks>(http, f => f.Run(http.Request));

        Assert.Equal((0, 0), (_configured.Store.Reads, _configured.Store.Writes));
    }

    public void Dispose()
    {
        _configured.Dispose();
        _unconfigured.Dispose();
    }
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class NoSuchEndpointFunctionTests : IDisposable
{
    private readonly FunctionHarness _relay = new();

    [Fact]
    public async Task An_unknown_path_is_a_problem_404()
    {
        var http = _relay.Request("GET", "/v2/anything");

        var answer = await _relay.RunAsync<NoSuchEndpoint>(http, f => f.Run(http.Request));

        Assert.Equal(404, answer.Status);
        Assert.True(answer.IsProblem);
        // It names every path the relay serves, the association files included.
        var detail = answer.Json.GetProperty("detail").GetString();
        Assert.Contains("/v1/m/{mailboxIdentifier}", detail, StringComparison.Ordinal);
        Assert.Contains("/.well-known/apple-app-site-association", detail, StringComparison.Ordinal);
        Assert.Contains("/.well-known/assetlinks.json", detail, StringComparison.Ordinal);
        Assert.Contains("/v1/openapi.yaml", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_known_path_with_another_method_is_405_with_allow()
    {
        var http = _relay.Request("GET", "/v1/m");

        var answer = await _relay.RunAsync<NoSuchEndpoint>(http, f => f.Run(http.Request));

        Assert.Equal(405, answer.Status);
        Assert.Equal("POST", answer.Headers.Allow.ToString());
    }

    [Theory]
    [InlineData("/v1/m/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "GET, HEAD, POST, PUT, PATCH, DELETE")]
    [InlineData("/v1/openapi.yaml", "GET, HEAD")]
    [InlineData("/.well-known/apple-app-site-association", "GET, HEAD")]
    [InlineData("/.well-known/assetlinks.json", "GET, HEAD")]
    public async Task Allow_lists_HEAD_wherever_GET_is_served(string path, string allow)
    {
        var http = _relay.Request("OPTIONS", path);

        var answer = await _relay.RunAsync<NoSuchEndpoint>(http, f => f.Run(http.Request));

        Assert.Equal(405, answer.Status);
        Assert.Equal(allow, answer.Headers.Allow.ToString());
    }

    public void Dispose() => _relay.Dispose();
}

/// <summary>App link settings for tests: two iOS apps, one Android app with two certificates, both stores.</summary>
internal static class AppLinkSettings
{
    public const string Fingerprints =
        "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5,"
        + "a0:83:42:e6:1d:be:a8:8a:04:96:b2:3f:cf:44:e5:14:6d:e9:83:c5:73:06:50:d8:ee:b9:95:2f:34:fc:64:16";

    public static readonly IReadOnlyDictionary<string, string?> Both = new Dictionary<string, string?>
    {
        ["AppLinks:AppleAppIds"] = "ABCDE12345.com.example.wallet, FGHIJ67890.com.example.wallet.beta",
        ["AppLinks:AndroidPackageName"] = "com.example.wallet",
        ["AppLinks:AndroidCertificateFingerprints"] = Fingerprints,
        ["AppLinks:AppName"] = "Example Wallet",
        ["AppLinks:AppStoreUrl"] = "https://apps.apple.com/us/app/example-wallet/id123456789",
        ["AppLinks:PlayStoreUrl"] = "https://play.google.com/store/apps/details?id=com.example.wallet",
    };
}
