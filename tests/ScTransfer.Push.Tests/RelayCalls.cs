using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace ScTransfer.Push.Tests;

/// <summary>Raw HTTP calls to the relay as the draft spells them (a minimal copy of the integration tests' RelayClient).</summary>
public sealed class RelayCalls(HttpClient http)
{
    public static string NewId() => Guid.NewGuid().ToString("D");

    public static string RandomPayloadData() => Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(64));

    /// <summary>A CreateMailbox body (draft Figure 4), with a sender token when given.</summary>
    public static JsonObject CreateBody(string mailboxId, string data, JsonObject? notificationToken)
    {
        var body = new JsonObject
        {
            ["mailboxIdentifier"] = mailboxId,
            ["displayInformation"] = new JsonObject { ["title"] = "Hotel Pass", ["description"] = "Some Hotel Pass", ["imageUrl"] = "https://hotel.example/sharingImage" },
            ["payload"] = new JsonObject { ["type"] = "AES128", ["data"] = data },
            ["mailboxConfiguration"] = new JsonObject { ["accessRights"] = "RWD", ["timeToLive"] = "3600" },
        };
        if (notificationToken is not null)
        {
            body["notificationToken"] = notificationToken;
        }

        return body;
    }

    /// <summary>An UpdateMailbox body (draft Figure 6).</summary>
    public static JsonObject UpdateBody(string data, JsonObject notificationToken) => new()
    {
        ["payload"] = new JsonObject { ["type"] = "AES128", ["data"] = data },
        ["notificationToken"] = notificationToken,
    };

    public static JsonObject Token(string type, string tokenData) => new() { ["type"] = type, ["tokenData"] = tokenData };

    public Task<HttpResponseMessage> CreateAsync(JsonNode body, string claim, string correlationId) =>
        SendAsync(HttpMethod.Post, "v1/m", claim, correlationId, body);

    public Task<HttpResponseMessage> ReadAsync(string mailboxId, string claim) =>
        SendAsync(HttpMethod.Post, "v1/m/" + mailboxId, claim, null, null);

    public Task<HttpResponseMessage> UpdateAsync(string mailboxId, JsonNode body, string claim, string correlationId) =>
        SendAsync(HttpMethod.Put, "v1/m/" + mailboxId, claim, correlationId, body);

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string claim, string? correlationId, JsonNode? body)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        request.Headers.TryAddWithoutValidation("deviceClaim", claim);
        if (correlationId is not null)
        {
            request.Headers.TryAddWithoutValidation("Mailbox-Correlation-ID", correlationId);
        }

        return await http.SendAsync(request);
    }
}
