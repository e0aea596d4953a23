using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// Raw HTTP calls to the relay, spelled as the draft spells them, so tests read like the draft. A client of a later
/// generation names its own claim, correlation and attestation headers (docs/compatibility.md).
/// </summary>
public sealed class RelayClient(
    HttpClient http, string claimHeader = "deviceClaim", string correlationHeader = "Mailbox-Correlation-ID", string? attestationHeader = null)
{
    public HttpClient Http => http;

    /// <summary>The idempotency header this client sends, and expects echoed.</summary>
    public string CorrelationHeader => correlationHeader;

    public static string NewId() => Guid.NewGuid().ToString("D");

    public static string RandomPayloadData(int bytes = 64) => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(bytes));

    /// <summary>A valid CreateMailbox body (draft Figure 4); tweak it as a JsonObject.</summary>
    public static JsonObject CreateBody(string mailboxId, string accessRights = "RWD", string timeToLive = "3600", string? data = null, string? apnsToken = null)
    {
        var body = new JsonObject
        {
            ["mailboxIdentifier"] = mailboxId,
            ["displayInformation"] = new JsonObject { ["title"] = "Hotel Pass", ["description"] = "Some Hotel Pass", ["imageUrl"] = "https://hotel.example/sharingImage" },
            ["payload"] = new JsonObject { ["type"] = "AES128", ["data"] = data ?? RandomPayloadData() },
            ["mailboxConfiguration"] = new JsonObject { ["accessRights"] = accessRights, ["timeToLive"] = timeToLive },
        };
        if (apnsToken is not null)
        {
            body["notificationToken"] = new JsonObject { ["type"] = "com.apple.apns", ["tokenData"] = apnsToken };
        }

        return body;
    }

    public static JsonObject UpdateBody(string? data = null, string tokenType = "com.google.fcm", string tokenData = "fcm-token-0123456789") => new()
    {
        ["payload"] = new JsonObject { ["type"] = "AES128", ["data"] = data ?? RandomPayloadData() },
        ["notificationToken"] = new JsonObject { ["type"] = tokenType, ["tokenData"] = tokenData },
    };

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
    public async Task<(string Id, string SenderClaim)> CreateMailboxAsync(string accessRights = "RWD", string? apnsToken = null)
    {
        var id = NewId();
        var claim = NewId();
        using var response = await CreateAsync(CreateBody(id, accessRights, apnsToken: apnsToken), claim, NewId());
        // 201 too: on a busy machine HttpClient may resend a request whose connection dropped before the answer, and
        // the relay answers that retry (same claim, same Correlation-ID) with 201 as §5 asks.
        Assert.Contains(response.StatusCode, new[] { System.Net.HttpStatusCode.OK, System.Net.HttpStatusCode.Created });
        return (id, claim);
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? claim, string? correlationId, HttpContent? content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (claim is not null)
        {
            request.Headers.TryAddWithoutValidation(claimHeader, claim);
            if (attestationHeader is not null)
            {
                request.Headers.TryAddWithoutValidation(attestationHeader, "attestation-" + NewId());
            }
        }

        if (correlationId is not null)
        {
            request.Headers.TryAddWithoutValidation(correlationHeader, correlationId);
        }

        return await http.SendAsync(request);
    }

    public static StringContent Json(JsonNode body) => new(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    public static async Task<string> ProblemDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return document.RootElement.GetProperty("detail").GetString()!;
    }
}
