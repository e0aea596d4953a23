using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>
/// The HTTP side without a relay: §5 retries with one Mailbox-Correlation-ID, the mapping of each status to a typed
/// error, and the checks a client makes on the relay's answers.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class MailboxClientTests : IDisposable
{
    private static readonly Guid Mailbox = Guid.NewGuid();
    private static readonly Guid Claim = Guid.NewGuid();

    private readonly RecordingHandler _handler = new();

    public void Dispose() => _handler.Dispose();

    private MailboxClient Client(int maxAttempts = 3, string relay = "https://relay.example/") => new(
        new HttpClient(_handler) { BaseAddress = new Uri(relay) },
        Options.Create(new MailboxClientOptions { MaxAttempts = maxAttempts, RetryDelay = TimeSpan.FromMilliseconds(1) }));

    private static HttpResponseMessage Answer(HttpRequestMessage request, HttpStatusCode status, string? json = null, string mediaType = "application/json")
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json ?? "", Encoding.UTF8, mediaType) };
        response.Headers.TryAddWithoutValidation(MailboxClient.CorrelationIdHeader, request.Headers.GetValues(MailboxClient.CorrelationIdHeader).First());
        return response;
    }

    private static string Problem(int status, string detail) =>
        $$"""{"type":"about:blank","title":"t","status":{{status}},"detail":"{{detail}}"}""";

    [Fact]
    public async Task A_dropped_connection_is_retried_with_the_same_correlation_id()
    {
        _handler.Respond = (request, n) => n == 1
            ? throw new HttpRequestException("connection reset")
            : Answer(request, HttpStatusCode.OK, "{\"isPushNotificationSupported\":true}");

        var push = await Client().UpdateAsync(Mailbox, Claim, new EncryptedPayload("AES128", new byte[40]), new NotificationToken(NotificationToken.Fcm, "t"));

        Assert.True(push);
        var ids = _handler.Requests.Select(r => r.Header(MailboxClient.CorrelationIdHeader)).ToList();
        Assert.Equal(2, ids.Count);
        Assert.Single(ids.Distinct());
        Assert.True(Guid.TryParseExact(ids[0], "D", out _), "§5: the Correlation-ID should be a UUID");
    }

    [Fact]
    public async Task Separate_calls_get_separate_correlation_ids()
    {
        _handler.Respond = (request, _) => Answer(request, HttpStatusCode.OK);
        var client = Client();

        await client.DeleteAsync(Mailbox, Claim);
        await client.DeleteAsync(Mailbox, Claim);

        Assert.Equal(2, _handler.Requests.Select(r => r.Header(MailboxClient.CorrelationIdHeader)).Distinct().Count());
    }

    [Fact]
    public async Task A_503_is_retried_after_its_Retry_After()
    {
        _handler.Respond = (request, n) =>
        {
            if (n > 1)
            {
                return Answer(request, HttpStatusCode.OK);
            }

            var busy = Answer(request, HttpStatusCode.ServiceUnavailable, Problem(503, "storage down"), "application/problem+json");
            busy.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.Zero);
            return busy;
        };

        await Client().DeleteAsync(Mailbox, Claim);

        Assert.Equal(2, _handler.Requests.Count);
    }

    [Fact]
    public async Task When_every_try_fails_the_error_says_the_relay_is_unreachable()
    {
        _handler.Respond = (_, _) => throw new HttpRequestException("connection refused");

        var error = await Assert.ThrowsAsync<RelayUnavailableException>(() => Client(maxAttempts: 3).DeleteAsync(Mailbox, Claim));

        Assert.Equal(3, _handler.Requests.Count);
        Assert.Null(error.StatusCode);
        Assert.Single(_handler.Requests.Select(r => r.Header(MailboxClient.CorrelationIdHeader)).Distinct());
        // Which relay, and why: a wrong address reads as one.
        Assert.Equal("The relay at https://relay.example/ could not be reached (connection refused); check the address, or try again later.", error.Message);
    }

    [Fact]
    public async Task A_404_on_a_retried_delete_means_the_first_try_already_deleted()
    {
        _handler.Respond = (request, n) => n == 1
            ? throw new HttpRequestException("answer lost")
            : Answer(request, HttpStatusCode.NotFound, Problem(404, "not found"), "application/problem+json");

        await Client().DeleteAsync(Mailbox, Claim);

        Assert.Equal(2, _handler.Requests.Count);
    }

    [Fact]
    public async Task A_404_on_the_first_delete_is_an_error()
    {
        _handler.Respond = (request, _) => Answer(request, HttpStatusCode.NotFound, Problem(404, "no such mailbox"), "application/problem+json");

        var error = await Assert.ThrowsAsync<MailboxNotFoundException>(() => Client().DeleteAsync(Mailbox, Claim));

        Assert.Equal("no such mailbox", error.Detail);
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, typeof(MailboxNotFoundException))]
    [InlineData(HttpStatusCode.Unauthorized, typeof(MailboxAccessDeniedException))]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, typeof(PayloadTooLargeException))]
    [InlineData(HttpStatusCode.BadRequest, typeof(MailboxRequestRejectedException))]
    [InlineData(HttpStatusCode.UnsupportedMediaType, typeof(MailboxRequestRejectedException))]
    [InlineData(HttpStatusCode.InternalServerError, typeof(RelayUnavailableException))]
    public async Task Each_error_status_becomes_its_own_exception_carrying_the_relays_detail(HttpStatusCode status, Type expected)
    {
        _handler.Respond = (request, _) => Answer(request, status, Problem((int)status, "the relay's reason"), "application/problem+json");

        var error = await Assert.ThrowsAsync(expected, () => Client().ReadAsync(Mailbox, Claim));

        var relayError = Assert.IsAssignableFrom<RelayException>(error);
        Assert.Equal(status, relayError.StatusCode);
        Assert.Equal("the relay's reason", relayError.Detail);
        Assert.Contains("the relay's reason", error.Message, StringComparison.Ordinal);
        Assert.Single(_handler.Requests); // client errors are not retried
    }

    [Fact]
    public async Task An_answer_that_does_not_echo_the_correlation_id_is_refused()
    {
        _handler.Respond = (_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{}") };
            response.Headers.TryAddWithoutValidation(MailboxClient.CorrelationIdHeader, Guid.NewGuid().ToString("D"));
            return response;
        };

        await Assert.ThrowsAsync<RelayProtocolException>(() => Client().DeleteAsync(Mailbox, Claim));
    }

    [Fact]
    public async Task A_url_link_to_another_mailbox_is_refused()
    {
        _handler.Respond = (request, _) => Answer(request, HttpStatusCode.OK, $"{{\"urlLink\":\"https://relay.example/v1/m/{Guid.NewGuid()}\"}}");

        await Assert.ThrowsAsync<RelayProtocolException>(() => Client().CreateAsync(Mailbox, Claim, new DisplayInformation("t"),
            new EncryptedPayload("AES128", new byte[40]), MailboxConfiguration.Stateless));
    }

    [Fact]
    public async Task Create_sends_the_draft_body_and_headers()
    {
        _handler.Respond = (request, _) => Answer(request, HttpStatusCode.OK, $"{{\"urlLink\":\"https://relay.example/v1/m/{Mailbox}\",\"isPushNotificationSupported\":false}}");

        var created = await Client().CreateAsync(Mailbox, Claim, new DisplayInformation("Car Key", "d", new Uri("https://img.example/a.png")),
            new EncryptedPayload("AES256", [1, 2, 3]), new MailboxConfiguration(TimeSpan.FromHours(1), "RWD"), new NotificationToken(NotificationToken.Apns, "tok"));

        Assert.Equal(new Uri($"https://relay.example/v1/m/{Mailbox}"), created.UrlLink);
        var request = Assert.Single(_handler.Requests);
        Assert.Equal(new Uri("https://relay.example/v1/m"), request.Uri);
        Assert.Equal(Claim.ToString("D"), request.Header(MailboxClient.DeviceClaimHeader));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        using var body = System.Text.Json.JsonDocument.Parse(request.Body);
        var root = body.RootElement;
        Assert.Equal(Mailbox.ToString("D"), root.GetProperty("mailboxIdentifier").GetString());
        Assert.Equal("AES256", root.GetProperty("payload").GetProperty("type").GetString());
        Assert.Equal("AQID", root.GetProperty("payload").GetProperty("data").GetString());
        Assert.Equal("https://img.example/a.png", root.GetProperty("displayInformation").GetProperty("imageURL").GetString());
        Assert.Equal("3600", root.GetProperty("mailboxConfiguration").GetProperty("timeToLive").GetString());
        Assert.Equal("RWD", root.GetProperty("mailboxConfiguration").GetProperty("accessRights").GetString());
        Assert.Equal("com.apple.apns", root.GetProperty("notificationToken").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("http://relay.example/")]
    [InlineData("http://192.0.2.10:7071/")]
    public void A_plain_http_relay_off_this_machine_is_refused(string relay) =>
        Assert.Throws<ArgumentException>(() => Client(relay: relay));

    [Theory]
    [InlineData("http://127.0.0.1:7071/")]
    [InlineData("http://localhost:7071")]
    [InlineData("https://relay.example/base")]
    public void Https_and_loopback_relays_are_accepted_with_a_trailing_slash(string relay) =>
        Assert.EndsWith("/", Client(relay: relay).RelayBaseAddress.AbsoluteUri, StringComparison.Ordinal);
}
