using ScTransfer.Relay;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

// One happy path and one refusal per function class, run in process on the services both hosts register (FunctionHarness).
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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<CreateMailbox>().Run(http.Request, default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<CreateMailbox>().Run(http.Request, default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await relay.Function<CreateMailbox>().Run(http.Request, default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<ReadDisplayInformation>().Run(http.Request, id.ToString(), default), http);

        Assert.Equal(200, answer.Status);
        Assert.StartsWith("text/html", answer.ContentType, StringComparison.Ordinal);
        Assert.Contains("<title>Car Key</title>", answer.Body, StringComparison.Ordinal);
        Assert.Contains(FunctionHarness.Link(id), answer.Body, StringComparison.Ordinal);
        Assert.Equal(Http.PreviewPage.ContentSecurityPolicy, answer.Headers.ContentSecurityPolicy.ToString());
    }

    [Fact]
    public async Task An_unknown_mailbox_is_404_without_a_page()
    {
        var http = _relay.Request("GET", "/v1/m/x");

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<ReadDisplayInformation>().Run(http.Request, MailboxId.New().ToString(), default), http);

        Assert.Equal(404, answer.Status);
        Assert.True(answer.IsProblem);
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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<ReadSecureContent>().Run(http.Request, id.ToString(), default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<ReadSecureContent>().Run(http.Request, id.ToString(), default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<UpdateMailbox>().Run(http.Request, id.ToString(), default), http);

        Assert.Equal(200, answer.Status);
        Assert.False(answer.Json.GetProperty("isPushNotificationSupported").GetBoolean());
        Assert.Equal(Enumerable.Repeat((byte)7, 32), (await _relay.Store.GetAsync(id, MailboxView.Full, default))!.Payload!.Data);
    }

    [Fact]
    public async Task A_stranger_is_refused_and_the_payload_stays()
    {
        var id = await _relay.CreatedAsync(DeviceClaim.New());
        var http = _relay.Request("PUT", $"/v1/m/{id}", DeviceClaim.New(), UpdateBody(7));

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<UpdateMailbox>().Run(http.Request, id.ToString(), default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<RelinquishMailbox>().Run(http.Request, id.ToString(), default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<RelinquishMailbox>().Run(http.Request, id.ToString(), default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<DeleteMailbox>().Run(http.Request, id.ToString(), default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<DeleteMailbox>().Run(http.Request, "not-a-uuid", default), http);

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

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<GetOpenApiDescription>().Run(http.Request), http);

        Assert.Equal(200, answer.Status);
        Assert.Equal("application/yaml; charset=utf-8", answer.ContentType);
        Assert.Equal(File.ReadAllText(Path.Combine(Repository.Root, "docs", "openapi.yaml")), answer.Body);
    }

    public void Dispose() => _relay.Dispose();
}

[Trait(Needs.Trait, Needs.Nothing)]
public sealed class NoSuchEndpointFunctionTests : IDisposable
{
    private readonly FunctionHarness _relay = new();

    [Fact]
    public async Task An_unknown_path_is_a_problem_404()
    {
        var http = _relay.Request("GET", "/v2/anything");

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<NoSuchEndpoint>().Run(http.Request), http);

        Assert.Equal(404, answer.Status);
        Assert.True(answer.IsProblem);
    }

    [Fact]
    public async Task A_known_path_with_another_method_is_405_with_allow()
    {
        var http = _relay.Request("GET", "/v1/m");

        var answer = await FunctionHarness.AnswerAsync(await _relay.Function<NoSuchEndpoint>().Run(http.Request), http);

        Assert.Equal(405, answer.Status);
        Assert.Equal("POST", answer.Headers.Allow.ToString());
    }

    public void Dispose() => _relay.Dispose();
}
