using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace ScTransfer.Proof.Tests;

/// <summary>Draft-shaped requests (§6) built by hand, so each test can break exactly one part of them.</summary>
internal static class Calls
{
    public static string NewId() => Guid.NewGuid().ToString("D");

    /// <summary>Random bytes standing in for IV ‖ ciphertext ‖ tag, base64 (draft §7).</summary>
    public static string PayloadData(int bytes = 64) => Convert.ToBase64String(RandomNumberGenerator.GetBytes(bytes));

    public static JsonObject Token(string type, string data) => new() { ["type"] = type, ["tokenData"] = data };

    public static JsonObject Display(string title = "Hotel Pass", string description = "Room 1204, 3 nights", string imageUrl = "https://hotel.example/pass.png") =>
        new() { ["title"] = title, ["description"] = description, ["imageURL"] = imageUrl };

    public static JsonObject CreateBody(string mailboxId, string data, JsonObject? token = null, string accessRights = "RWD", JsonObject? display = null)
    {
        var body = new JsonObject
        {
            ["mailboxIdentifier"] = mailboxId,
            ["displayInformation"] = display?.DeepClone() ?? Display(),
            ["payload"] = new JsonObject { ["type"] = "AEAD_AES_128_GCM", ["data"] = data },
            ["mailboxConfiguration"] = new JsonObject { ["accessRights"] = accessRights, ["timeToLive"] = "3600" },
        };
        if (token is not null)
        {
            body["notificationToken"] = token.DeepClone();
        }

        return body;
    }

    public static JsonObject UpdateBody(string data, JsonObject token) => new()
    {
        ["payload"] = new JsonObject { ["type"] = "AEAD_AES_128_GCM", ["data"] = data },
        ["notificationToken"] = token.DeepClone(),
    };

    public static HttpRequestMessage Request(
        HttpMethod method, string path, string? claim = null, JsonNode? body = null, string? correlationId = null, string? attestation = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        }

        if (claim is not null)
        {
            request.Headers.TryAddWithoutValidation("deviceClaim", claim);
        }

        if (correlationId is not null)
        {
            request.Headers.TryAddWithoutValidation("Mailbox-Correlation-ID", correlationId);
        }

        if (attestation is not null)
        {
            request.Headers.TryAddWithoutValidation("deviceAttestation", attestation);
        }

        return request;
    }

    public static async Task<HttpResponseMessage> SendAsync(
        this HttpClient http, HttpMethod method, string path, string? claim = null, JsonNode? body = null, string? correlationId = null, string? attestation = null)
    {
        using var request = Request(method, path, claim, body, correlationId, attestation);
        return await http.SendAsync(request);
    }

    /// <summary>Creates a mailbox that must succeed.</summary>
    public static async Task CreateOkAsync(this HttpClient http, string id, string claim, string data, JsonObject? token = null, string accessRights = "RWD", JsonObject? display = null)
    {
        using var response = await http.SendAsync(HttpMethod.Post, "v1/m", claim, CreateBody(id, data, token, accessRights, display), NewId());
        // 201 when the relay's storage client retried an insert that had landed (draft §5 idempotency): created all the same.
        Assert.True(response.StatusCode is System.Net.HttpStatusCode.OK or System.Net.HttpStatusCode.Created, $"create answered {response.StatusCode}");
    }
}
