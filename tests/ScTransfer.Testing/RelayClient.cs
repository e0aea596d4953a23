using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace ScTransfer.Testing;

/// <summary>
/// The draft's requests (§6) built by hand and sent as raw HTTP, so tests read like the draft and each can break exactly
/// one part of a request: the bodies (static), the request messages with their claim, Correlation-ID, attestation and
/// Privacy Pass headers (<c>Request</c>), and the calls themselves over one <see cref="HttpClient"/>. A client of a
/// later generation names its own claim, correlation and attestation headers (docs/compatibility.md).
/// </summary>
public sealed class RelayClient(
    HttpClient http, string claimHeader = RelayClient.ClaimHeader, string correlationHeader = RelayClient.CorrelationIdHeader, string? attestationHeader = null)
{
    /// <summary>The draft-00 spellings (§6): what <c>Request</c> sends.</summary>
    public const string ClaimHeader = "deviceClaim";

    public const string CorrelationIdHeader = "Mailbox-Correlation-ID";

    public const string AttestationHeader = "deviceAttestation";

    public HttpClient Http => http;

    /// <summary>The idempotency header this client sends, and expects echoed.</summary>
    public string CorrelationHeader => correlationHeader;

    public static string NewId() => Guid.NewGuid().ToString("D");

    /// <summary>Random bytes standing in for IV ‖ ciphertext ‖ tag, base64 (draft §7).</summary>
    public static string RandomPayloadData(int bytes = 64) => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));

    /// <summary>A notificationToken object (draft §6.1.4).</summary>
    public static JsonObject Token(string type, string tokenData) => new() { ["type"] = type, ["tokenData"] = tokenData };

    /// <summary>A displayInformation object as Figure 4 spells it (<c>imageUrl</c>; the field list's <c>imageURL</c> is accepted too).</summary>
    public static JsonObject Display(string title = "Hotel Pass", string description = "Some Hotel Pass", string imageUrl = "https://hotel.example/sharingImage") =>
        new() { ["title"] = title, ["description"] = description, ["imageUrl"] = imageUrl };

    /// <summary>A valid CreateMailbox body (draft Figure 4), with the sender's token when given; tweak it as a JsonObject.</summary>
    public static JsonObject CreateBody(
        string mailboxId, string? data = null, JsonObject? token = null, string accessRights = "RWD", string timeToLive = "3600", JsonObject? display = null)
    {
        var body = new JsonObject
        {
            ["mailboxIdentifier"] = mailboxId,
            ["displayInformation"] = display?.DeepClone() ?? Display(),
            ["payload"] = new JsonObject { ["type"] = "AES128", ["data"] = data ?? RandomPayloadData() },
            ["mailboxConfiguration"] = new JsonObject { ["accessRights"] = accessRights, ["timeToLive"] = timeToLive },
        };
        if (token is not null)
        {
            body["notificationToken"] = token.DeepClone();
        }

        return body;
    }

    /// <summary>A valid UpdateMailbox body (draft Figure 6); an FCM token unless one is given.</summary>
    public static JsonObject UpdateBody(string? data = null, JsonObject? token = null) => new()
    {
        ["payload"] = new JsonObject { ["type"] = "AES128", ["data"] = data ?? RandomPayloadData() },
        ["notificationToken"] = token?.DeepClone() ?? Token("com.google.fcm", "fcm-token-0123456789"),
    };

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    /// <summary>
    /// A draft-00 request: <paramref name="body"/> as JSON, and each header that is given (claim, Correlation-ID,
    /// attestation, and an Authorization value such as a Privacy Pass token, RFC 9577 §2.2.2). The caller disposes it.
    /// </summary>
    public static HttpRequestMessage Request(
        HttpMethod method, string path, string? claim = null, JsonNode? body = null, string? correlationId = null, string? attestation = null,
        string? authorization = null)
    {
        var request = Request(method, path, claim, correlationId, body is null ? null : Json(body), ClaimHeader, CorrelationIdHeader);
        if (attestation is not null)
        {
            request.Headers.TryAddWithoutValidation(AttestationHeader, attestation);
        }

        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return request;
    }

    /// <summary>A request whose body is exactly <paramref name="content"/> (bytes, text, any content type): for bodies no valid draft request has.</summary>
    public static HttpRequestMessage RawRequest(HttpMethod method, string path, string? claim, HttpContent? content) =>
        Request(method, path, claim, null, content, ClaimHeader, CorrelationIdHeader);

    public Task<HttpResponseMessage> CreateAsync(JsonNode body, string? claim, string? correlationId = null) =>
        SendAsync(HttpMethod.Post, "v1/m", claim, correlationId, Json(body));

    public Task<HttpResponseMessage> PreviewAsync(string mailboxId) => SendAsync(HttpMethod.Get, "v1/m/" + mailboxId, null, null, null);

    public Task<HttpResponseMessage> ReadAsync(string mailboxId, string? claim, string? correlationId = null) =>
        SendAsync(HttpMethod.Post, "v1/m/" + mailboxId, claim, correlationId, null);

    public Task<HttpResponseMessage> UpdateAsync(string mailboxId, JsonNode body, string? claim, string? correlationId = null) =>
        SendAsync(HttpMethod.Put, "v1/m/" + mailboxId, claim, correlationId, Json(body));

    public Task<HttpResponseMessage> DeleteAsync(string mailboxId, string? claim, string? correlationId = null) =>
        SendAsync(HttpMethod.Delete, "v1/m/" + mailboxId, claim, correlationId, null);

    public Task<HttpResponseMessage> RelinquishAsync(string mailboxId, string? claim, string? correlationId = null) =>
        SendAsync(HttpMethod.Patch, "v1/m/" + mailboxId, claim, correlationId, null);

    /// <summary>Creates a mailbox that must succeed; returns its id and the sender's claim.</summary>
    public async Task<(string Id, string SenderClaim)> CreateMailboxAsync(string accessRights = "RWD")
    {
        var id = NewId();
        var claim = NewId();
        await CreateMailboxAsync(CreateBody(id, accessRights: accessRights), claim);
        return (id, claim);
    }

    /// <summary>Creates the mailbox <paramref name="body"/> describes, which must succeed.</summary>
    public async Task CreateMailboxAsync(JsonObject body, string claim)
    {
        using var response = await CreateAsync(body, claim, NewId());
        // 201 too: on a busy machine HttpClient may resend a request whose connection dropped before the answer, or the
        // relay's storage client may retry an insert that had landed; the relay answers that retry (same claim, same
        // Correlation-ID) with 201 as §5 asks. Created all the same.
        Assert.True(
            response.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Created, $"create answered {(int)response.StatusCode}");
    }

    /// <summary>Sends with this client's header spellings; with an attestation header, every claimed request carries one.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? claim, string? correlationId, HttpContent? content)
    {
        using var request = Request(method, path, claim, correlationId, content, claimHeader, correlationHeader);
        if (claim is not null && attestationHeader is not null)
        {
            request.Headers.TryAddWithoutValidation(attestationHeader, "attestation-" + NewId());
        }

        return await http.SendAsync(request);
    }

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static async Task<string> ProblemDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("detail").GetString()!;
    }

    private static HttpRequestMessage Request(
        HttpMethod method, string path, string? claim, string? correlationId, HttpContent? content, string claimName, string correlationName)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (claim is not null)
        {
            request.Headers.TryAddWithoutValidation(claimName, claim);
        }

        if (correlationId is not null)
        {
            request.Headers.TryAddWithoutValidation(correlationName, correlationId);
        }

        return request;
    }
}

/// <summary>Draft requests straight from an <see cref="HttpClient"/>, for tests that call by hand.</summary>
public static class RelayClientExtensions
{
    /// <inheritdoc cref="RelayClient.Request(HttpMethod, string, string?, JsonNode?, string?, string?, string?)"/>
    public static async Task<HttpResponseMessage> SendAsync(
        this HttpClient http, HttpMethod method, string path, string? claim = null, JsonNode? body = null, string? correlationId = null,
        string? attestation = null)
    {
        using var request = RelayClient.Request(method, path, claim, body, correlationId, attestation);
        return await http.SendAsync(request);
    }
}
