using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ScTransfer.Client;

namespace ScTransfer.Cli.Check;

/// <summary>What one run of <c>sct check</c> is asked to do (its command line, parsed and valid).</summary>
internal sealed record CheckSettings
{
    /// <summary>The relay checked, with a trailing slash.</summary>
    public required Uri Relay { get; init; }

    /// <summary>The base every share link must start with: <c>--link-base</c>, else <see cref="Relay"/>.</summary>
    public required Uri LinkBase { get; init; }

    public TimeSpan ExpiryTimeToLive { get; init; } = TimeSpan.FromSeconds(60);

    public bool SkipSlow { get; init; }

    public bool SkipStateChanges { get; init; }

    /// <summary>Only these case numbers, or all when null.</summary>
    public IReadOnlySet<int>? Only { get; init; }

    public int MaxRequests { get; init; } = 300;

    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Wait this long for a relay that does not answer yet (a deployment starting).</summary>
    public TimeSpan WaitForRelay { get; init; } = TimeSpan.Zero;

    /// <summary>Extra trust anchors for the relay's certificate (<c>--ca-certificate</c>).</summary>
    public IReadOnlyList<System.Security.Cryptography.X509Certificates.X509Certificate2> TrustedRoots { get; init; } = [];

    /// <summary>Go on past a certificate that does not verify (<c>--insecure</c>); the TLS case still fails.</summary>
    public bool Insecure { get; init; }
}

/// <summary>One mailbox a case made: its identifier, the sender's claim, the key and what was stored.</summary>
internal sealed record CheckMailbox(
    Guid Id, Guid SenderClaim, ShareSecret Secret, byte[] Plaintext, EncryptedPayload Payload, string Title, Exchange Created, string UrlLink, string CorrelationId);

/// <summary>How a case wants a mailbox made.</summary>
internal sealed record MailboxSpec
{
    public string AccessRights { get; init; } = "RD";

    public int TimeToLiveSeconds { get; init; } = CheckContext.MailboxLifetimeSeconds;

    public NotificationToken? Token { get; init; }
}

/// <summary>
/// What the cases share: the relay, the requests as a device sends them (headers in each revision's spelling, bodies as
/// the draft shows them), the mailboxes made and the secrets to keep out of the report. Every request goes through the
/// <see cref="PoliteHandler"/>.
/// </summary>
internal sealed class CheckContext(CheckSettings settings, HttpClient http, PoliteHandler handler, CertificatePolicy certificates, TimeProvider time)
{
    /// <summary>Every mailbox a case makes lives 5 minutes, so even one the clean-up could not delete goes soon.</summary>
    public const int MailboxLifetimeSeconds = 300;

    public const string CorrelationHeader = "Mailbox-Correlation-ID";
    public const string RequestIdHeader = "Mailbox-Request-ID";
    public const string ClaimHeader = "deviceClaim";

    private Task<CheckMailbox>? _primary;

    public CheckSettings Settings { get; } = settings;

    public HttpClient Http { get; } = http;

    public PoliteHandler Handler { get; } = handler;

    public TimeProvider Time { get; } = time;

    /// <summary>What a device would accept of the relay's certificate (the system's roots, or <c>--ca-certificate</c>).</summary>
    public CertificatePolicy Certificates { get; } = certificates;

    /// <summary>Set by the TLS case when the certificate is one a device refuses: nothing more is sent without <c>--insecure</c>.</summary>
    public string? CertificateProblem { get; set; }

    public MailboxLedger Ledger { get; } = new();

    public Redactor Redactor { get; } = new();

    public IReadOnlyList<Exchange> Exchanges => Handler.Exchanges;

    /// <summary>
    /// One draft-00 mailbox (RD, no token) that several cases look at without changing it: its create answer, its
    /// page, the sender's read. Made by the first case that asks.
    /// </summary>
    public Task<CheckMailbox> PrimaryAsync(CancellationToken cancellationToken) =>
        _primary ??= CreateAsync(new MailboxSpec(), cancellationToken);

    public Guid NewClaim() => Redactor.Secret(Guid.NewGuid(), "<claim>");

    public static string NewCorrelationId() => Guid.NewGuid().ToString("D");

    public NotificationToken NewToken() =>
        new(NotificationToken.Fcm, Redactor.Secret("sct-check-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), "<token>"));

    public (ShareSecret Secret, byte[] Plaintext, EncryptedPayload Payload) NewPayload(KeySize keySize = KeySize.Aes128)
    {
        var secret = ShareSecret.Generate(keySize);
        Redactor.Secret(secret.ToBase64Url(), "<secret>");
        var plaintext = Encoding.UTF8.GetBytes("{\"sctCheck\":\"" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)) + "\"}");
        var payload = PayloadCipher.Encrypt(plaintext, secret);
        Redactor.Secret(Convert.ToBase64String(payload.Data), "<payload>");
        return (secret, plaintext, payload);
    }

    public static string MailboxPath(Guid mailbox) => "v1/m/" + mailbox.ToString("D");

    /// <summary>
    /// Sends one request. A transport failure (no answer, a timeout) fails the case, naming <paramref name="purpose"/>.
    /// </summary>
    public async Task<Exchange> SendAsync(CheckRequest request, string purpose, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(request.Method, new Uri(Settings.Relay, request.Path));
        message.Headers.Accept.Add(request.Browser ? Media.Html : Media.Json);
        if (request.Claim is { } claim)
        {
            message.Headers.TryAddWithoutValidation(request.ClaimHeader, claim.ToString("D"));
        }

        if (request.CorrelationId is { } correlation)
        {
            message.Headers.TryAddWithoutValidation(request.CorrelationHeader, correlation);
        }

        if (request.Json is { } json)
        {
            message.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(json));
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        else if (request.Content is { } content)
        {
            message.Content = content;
        }

        try
        {
            using var response = await Http.SendAsync(message, cancellationToken);
            return message.Options.TryGetValue(PoliteHandler.ExchangeKey, out var exchange)
                ? exchange
                : throw new InvalidOperationException("The polite handler recorded no answer.");
        }
        catch (HttpRequestException e)
        {
            throw new CaseFailedException($"an answer to {purpose}", "no answer: " + Exchange.Shorten(e.InnerException?.Message ?? e.Message));
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CaseFailedException($"an answer to {purpose}", $"no answer within {Settings.RequestTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>The CreateMailbox body of draft-00 (§6.1.4, Figure 4) for <paramref name="mailbox"/>.</summary>
    public static JsonObject CreateBody(Guid? mailbox, string title, EncryptedPayload payload, MailboxSpec spec)
    {
        var body = new JsonObject();
        if (mailbox is { } id)
        {
            body["mailboxIdentifier"] = id.ToString("D");
        }

        body["displayInformation"] = new JsonObject { ["title"] = title, ["description"] = "A mailbox sct check made; it deletes it when done." };
        body["payload"] = PayloadJson(payload);
        if (spec.Token is { } token)
        {
            body["notificationToken"] = TokenJson(token);
        }

        body["mailboxConfiguration"] = new JsonObject
        {
            ["accessRights"] = spec.AccessRights,
            ["timeToLive"] = spec.TimeToLiveSeconds.ToString(CultureInfo.InvariantCulture),
        };
        return body;
    }

    public static JsonObject PayloadJson(EncryptedPayload payload) => new() { ["type"] = payload.Type, ["data"] = Convert.ToBase64String(payload.Data) };

    public static JsonObject TokenJson(NotificationToken token) => new() { ["type"] = token.Type, ["tokenData"] = token.TokenData };

    public static string NewTitle() => "sct check " + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3));

    /// <summary>
    /// CreateMailbox as the draft shows it, written down in the ledger before it is sent. Returns the answer whatever it is.
    /// </summary>
    public async Task<Exchange> SendCreateAsync(Guid mailbox, Guid claim, JsonNode body, string purpose, CancellationToken cancellationToken,
        string? correlationId = null, string claimHeader = ClaimHeader, string correlationHeader = CorrelationHeader)
    {
        Redactor.Secret(mailbox, "{id}");
        Ledger.Asking(mailbox, claim);
        var answer = await SendAsync(new CheckRequest(HttpMethod.Post, "v1/m")
        {
            Claim = claim,
            ClaimHeader = claimHeader,
            CorrelationId = correlationId ?? NewCorrelationId(),
            CorrelationHeader = correlationHeader,
            Json = body,
        }, purpose, cancellationToken);
        Ledger.Answered(mailbox, answer.Status);
        return answer;
    }

    /// <summary>A mailbox to check with: its create must answer 200 with a urlLink naming it, or the case fails saying so.</summary>
    public async Task<CheckMailbox> CreateAsync(MailboxSpec spec, CancellationToken cancellationToken, string? correlationId = null)
    {
        var id = Guid.NewGuid();
        var claim = NewClaim();
        var title = NewTitle();
        var (secret, plaintext, payload) = NewPayload();
        correlationId ??= NewCorrelationId();
        var answer = await SendCreateAsync(id, claim, CreateBody(id, title, payload, spec), "a CreateMailbox to check with (§6.1)", cancellationToken, correlationId);
        if (answer.Status != 200 || UrlLink(answer) is not { } link || !NamesMailbox(link, id))
        {
            throw new CaseFailedException("200 with a urlLink naming the mailbox, to a CreateMailbox to check with (§6.1.5)", answer.Describe());
        }

        return new CheckMailbox(id, claim, secret, plaintext, payload, title, answer, link, correlationId);
    }

    public Task<Exchange> ReadAsync(Guid mailbox, Guid claim, string purpose, CancellationToken cancellationToken, string claimHeader = ClaimHeader) =>
        SendAsync(new CheckRequest(HttpMethod.Post, MailboxPath(mailbox)) { Claim = claim, ClaimHeader = claimHeader, CorrelationId = NewCorrelationId() }, purpose, cancellationToken);

    public Task<Exchange> PreviewAsync(Guid mailbox, string purpose, CancellationToken cancellationToken, bool browser = false) =>
        SendAsync(new CheckRequest(HttpMethod.Get, MailboxPath(mailbox)) { Browser = browser, CorrelationId = NewCorrelationId() }, purpose, cancellationToken);

    public Task<Exchange> UpdateAsync(Guid mailbox, Guid claim, JsonNode body, string purpose, CancellationToken cancellationToken, string? correlationId = null) =>
        SendAsync(new CheckRequest(HttpMethod.Put, MailboxPath(mailbox)) { Claim = claim, CorrelationId = correlationId ?? NewCorrelationId(), Json = body }, purpose, cancellationToken);

    public Task<Exchange> RelinquishAsync(Guid mailbox, Guid claim, string purpose, CancellationToken cancellationToken, string? correlationId = null) =>
        SendAsync(new CheckRequest(new HttpMethod("PATCH"), MailboxPath(mailbox)) { Claim = claim, CorrelationId = correlationId ?? NewCorrelationId() }, purpose, cancellationToken);

    public async Task<Exchange> DeleteAsync(Guid mailbox, Guid claim, string purpose, CancellationToken cancellationToken)
    {
        var answer = await SendAsync(new CheckRequest(HttpMethod.Delete, MailboxPath(mailbox)) { Claim = claim, CorrelationId = NewCorrelationId() }, purpose, cancellationToken);
        if (answer.Status is 200 or 404)
        {
            Ledger.Gone(mailbox);
        }

        return answer;
    }

    public static string? UrlLink(Exchange answer) =>
        answer.Json() is { ValueKind: JsonValueKind.Object } json && json.TryGetProperty("urlLink", out var link) && link.ValueKind == JsonValueKind.String
            ? link.GetString()
            : null;

    /// <summary>Whether a urlLink's last path segment is the mailbox (Figure 5's link has no scheme; §6.1.5).</summary>
    public static bool NamesMailbox(string link, Guid mailbox) =>
        MailboxOf(link) == mailbox;

    public static Guid? MailboxOf(string link)
    {
        var path = link.Split('#')[0].Split('?')[0].TrimEnd('/');
        return Guid.TryParseExact(path[(path.LastIndexOf('/') + 1)..], "D", out var id) ? id : null;
    }

    /// <summary>Where a share link for <paramref name="mailbox"/> must point: <c>{link base}/v1/m/{id}</c>.</summary>
    public string ExpectedLink(Guid mailbox) => Settings.LinkBase.AbsoluteUri + MailboxPath(mailbox);

    /// <summary>A fresh random version 4 identifier, for requests to a mailbox that does not exist.</summary>
    public Guid Unknown() => Redactor.Secret(Guid.NewGuid(), "{id}");
}

/// <summary>One request as the check sends it: method, path under the relay, and the headers of its revision's spelling.</summary>
internal sealed record CheckRequest(HttpMethod Method, string Path)
{
    public Guid? Claim { get; init; }

    public string ClaimHeader { get; init; } = CheckContext.ClaimHeader;

    public string? CorrelationId { get; init; }

    public string CorrelationHeader { get; init; } = CheckContext.CorrelationHeader;

    public JsonNode? Json { get; init; }

    public HttpContent? Content { get; init; }

    /// <summary>Ask for HTML first, as a browser or a link-preview fetcher does.</summary>
    public bool Browser { get; init; }
}
