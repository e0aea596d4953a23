using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// Every endpoint, at every status it answers, carries the security headers: nosniff and no-referrer everywhere,
/// no-store on anything that holds a share's secrets (the create answer's link, secure content, problems, the
/// preview), and the Content-Security-Policy on HTML.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class SecurityHeaderTests
{
    private static readonly string DeadStorage = Azurite.UnreachableConnectionString;

    [Fact]
    public async Task Every_endpoint_and_status_carries_the_security_headers()
    {
        await using var relay = await RelayHost.StartAsync();
        await using var down = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = DeadStorage,
            ["Storage__MaxRetries"] = "0",
            ["Storage__NetworkTimeout"] = "00:00:01",
        }, waitForStorage: false);
        using var http = relay.CreateClient();
        using var downHttp = down.CreateClient();

        var (id, sender, receiver, stranger) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
        var data = RelayClient.RandomPayloadData();
        var createCorrelation = RelayClient.NewId();
        var updateCorrelation = RelayClient.NewId();
        var relinquishCorrelation = RelayClient.NewId();
        var token = RelayClient.Token("com.google.fcm", "fcm-token-for-headers");
        var cases = new List<(string Name, HttpStatusCode Expected, Func<Task<HttpResponseMessage>> Send)>
        {
            ("create", HttpStatusCode.OK, () => http.SendAsync(HttpMethod.Post, "v1/m", sender, RelayClient.CreateBody(id, data), createCorrelation)),
            ("create retried", HttpStatusCode.Created, () => http.SendAsync(HttpMethod.Post, "v1/m", sender, RelayClient.CreateBody(id, data), createCorrelation)),
            ("create over an existing id", HttpStatusCode.Unauthorized, () => http.SendAsync(HttpMethod.Post, "v1/m", stranger, RelayClient.CreateBody(id, data))),
            ("create without claim", HttpStatusCode.BadRequest, () => http.SendAsync(HttpMethod.Post, "v1/m", null, RelayClient.CreateBody(RelayClient.NewId(), data))),
            ("create as text/plain", HttpStatusCode.UnsupportedMediaType, () => Raw(http, HttpMethod.Post, "v1/m", stranger, "{}", "text/plain")),
            ("create oversize", HttpStatusCode.RequestEntityTooLarge, () => Raw(http, HttpMethod.Post, "v1/m", stranger, new string('a', 400_000), "application/json")),
            ("preview", HttpStatusCode.OK, () => http.SendAsync(HttpMethod.Get, "v1/m/" + id)),
            ("preview of nothing", HttpStatusCode.NotFound, () => http.SendAsync(HttpMethod.Get, "v1/m/" + RelayClient.NewId())),
            ("preview of a bad id", HttpStatusCode.BadRequest, () => http.SendAsync(HttpMethod.Get, "v1/m/not-a-uuid")),
            ("preview of nothing, in a browser", HttpStatusCode.NotFound, () => Browser(http, "v1/m/" + RelayClient.NewId())),
            ("preview, HEAD", HttpStatusCode.OK, () => http.SendAsync(HttpMethod.Head, "v1/m/" + id)),
            ("Apple association file, not configured", HttpStatusCode.NotFound, () => http.SendAsync(HttpMethod.Get, ".well-known/apple-app-site-association")),
            ("Android association file, not configured", HttpStatusCode.NotFound, () => http.SendAsync(HttpMethod.Get, ".well-known/assetlinks.json")),
            ("read binds the receiver", HttpStatusCode.OK, () => http.SendAsync(HttpMethod.Post, "v1/m/" + id, receiver)),
            ("read by a stranger", HttpStatusCode.Unauthorized, () => http.SendAsync(HttpMethod.Post, "v1/m/" + id, stranger)),
            ("read of nothing", HttpStatusCode.NotFound, () => http.SendAsync(HttpMethod.Post, "v1/m/" + RelayClient.NewId(), stranger)),
            ("read with a bad claim", HttpStatusCode.BadRequest, () => http.SendAsync(HttpMethod.Post, "v1/m/" + id, "not-a-claim")),
            ("update", HttpStatusCode.OK, () => http.SendAsync(HttpMethod.Put, "v1/m/" + id, receiver, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), token), updateCorrelation)),
            ("update retried", HttpStatusCode.Created, () => http.SendAsync(HttpMethod.Put, "v1/m/" + id, receiver, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), token), updateCorrelation)),
            ("update by a stranger", HttpStatusCode.Unauthorized, () => http.SendAsync(HttpMethod.Put, "v1/m/" + id, stranger, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), token))),
            ("update of nothing", HttpStatusCode.NotFound, () => http.SendAsync(HttpMethod.Put, "v1/m/" + RelayClient.NewId(), stranger, RelayClient.UpdateBody(RelayClient.RandomPayloadData(), token))),
            ("update as text/plain", HttpStatusCode.UnsupportedMediaType, () => Raw(http, HttpMethod.Put, "v1/m/" + id, receiver, "{}", "text/plain")),
            ("update oversize", HttpStatusCode.RequestEntityTooLarge, () => Raw(http, HttpMethod.Put, "v1/m/" + id, receiver, new string('a', 400_000), "application/json")),
            ("update with a broken body", HttpStatusCode.BadRequest, () => Raw(http, HttpMethod.Put, "v1/m/" + id, receiver, "{\"payload\":", "application/json")),
            ("relinquish by the sender", HttpStatusCode.Unauthorized, () => http.SendAsync(HttpMethod.Patch, "v1/m/" + id, sender)),
            ("relinquish by a stranger", HttpStatusCode.Unauthorized, () => http.SendAsync(HttpMethod.Patch, "v1/m/" + id, stranger)),
            ("relinquish of nothing", HttpStatusCode.NotFound, () => http.SendAsync(HttpMethod.Patch, "v1/m/" + RelayClient.NewId(), stranger)),
            ("relinquish", HttpStatusCode.OK, () => http.SendAsync(HttpMethod.Patch, "v1/m/" + id, receiver, correlationId: relinquishCorrelation)),
            ("relinquish retried", HttpStatusCode.Created, () => http.SendAsync(HttpMethod.Patch, "v1/m/" + id, receiver, correlationId: relinquishCorrelation)),
            ("OpenAPI description", HttpStatusCode.OK, () => http.SendAsync(HttpMethod.Get, "v1/openapi.yaml")),
            ("delete by a stranger", HttpStatusCode.Unauthorized, () => http.SendAsync(HttpMethod.Delete, "v1/m/" + id, stranger)),
            ("delete", HttpStatusCode.OK, () => http.SendAsync(HttpMethod.Delete, "v1/m/" + id, sender)),
            ("delete again", HttpStatusCode.NotFound, () => http.SendAsync(HttpMethod.Delete, "v1/m/" + id, sender)),
            ("delete of a bad id", HttpStatusCode.BadRequest, () => http.SendAsync(HttpMethod.Delete, "v1/m/%7Bnot%7D", sender)),
            ("bad correlation id", HttpStatusCode.BadRequest, () => http.SendAsync(HttpMethod.Post, "v1/m/" + id, sender, correlationId: new string('x', 129))),
            ("unknown method", HttpStatusCode.MethodNotAllowed, () => http.SendAsync(new HttpMethod("PROPFIND"), "v1/m/" + id, sender)),
            ("unknown path", HttpStatusCode.NotFound, () => http.SendAsync(HttpMethod.Get, "v2/anything")),
            ("create, storage down", HttpStatusCode.ServiceUnavailable, () => downHttp.SendAsync(HttpMethod.Post, "v1/m", sender, RelayClient.CreateBody(RelayClient.NewId(), data))),
            ("preview, storage down", HttpStatusCode.ServiceUnavailable, () => downHttp.SendAsync(HttpMethod.Get, "v1/m/" + id)),
            ("read, storage down", HttpStatusCode.ServiceUnavailable, () => downHttp.SendAsync(HttpMethod.Post, "v1/m/" + id, receiver)),
            ("update, storage down", HttpStatusCode.ServiceUnavailable, () => downHttp.SendAsync(HttpMethod.Put, "v1/m/" + id, receiver, RelayClient.UpdateBody(data, token))),
            ("relinquish, storage down", HttpStatusCode.ServiceUnavailable, () => downHttp.SendAsync(HttpMethod.Patch, "v1/m/" + id, receiver)),
            ("delete, storage down", HttpStatusCode.ServiceUnavailable, () => downHttp.SendAsync(HttpMethod.Delete, "v1/m/" + id, sender)),
        };

        var failures = new List<string>();
        foreach (var (name, expected, send) in cases)
        {
            using var response = await send();
            var body = await response.Content.ReadAsByteArrayAsync();
            var problems = new List<string>();
            if (response.StatusCode != expected)
            {
                problems.Add($"status {(int)response.StatusCode}, expected {(int)expected}");
            }

            if (Header(response, "X-Content-Type-Options") != "nosniff")
            {
                problems.Add("no X-Content-Type-Options: nosniff");
            }

            if (Header(response, "Referrer-Policy") != "no-referrer")
            {
                problems.Add("no Referrer-Policy: no-referrer");
            }

            var mediaType = response.Content.Headers.ContentType?.MediaType;
            var holdsSecrets = name is "create" or "create retried" or "read binds the receiver" || mediaType is "application/problem+json" or "text/html";
            if (holdsSecrets && response.Headers.CacheControl?.NoStore != true)
            {
                problems.Add("no Cache-Control: no-store");
            }

            if (mediaType == "text/html")
            {
                var csp = Header(response, "Content-Security-Policy") ?? "";
                if (!csp.Contains("default-src 'none'", StringComparison.Ordinal) || csp.Contains("script-src", StringComparison.Ordinal))
                {
                    problems.Add($"HTML without a script-free Content-Security-Policy: '{csp}'");
                }
            }

            if (body.Length > 0 && mediaType is null)
            {
                problems.Add("a body without a Content-Type");
            }

            if ((int)response.StatusCode == 503 && Header(response, "Retry-After") is null)
            {
                problems.Add("503 without Retry-After");
            }

            if (problems.Count > 0)
            {
                failures.Add($"{name}: {string.Join("; ", problems)}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public async Task Requests_refused_by_Kestrel_itself_get_an_empty_answer_that_closes_the_connection()
    {
        // Kestrel answers oversize headers before the relay sees the request: nothing there to sniff or cache.
        await using var relay = await RelayHost.StartAsync();
        using var http = relay.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/m/" + RelayClient.NewId());
        request.Headers.TryAddWithoutValidation("X-Padding", new string('a', 17 * 1024));
        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.True(response.Headers.ConnectionClose);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values) : null;

    private static async Task<HttpResponseMessage> Browser(HttpClient http, string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        return await http.SendAsync(request);
    }

    private static async Task<HttpResponseMessage> Raw(HttpClient http, HttpMethod method, string path, string claim, string body, string contentType)
    {
        using var request = RelayClient.RawRequest(method, path, claim, new ByteArrayContent(Encoding.UTF8.GetBytes(body)));
        request.Content!.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        // The relay answers an oversize body before reading it and closes; waiting for 100-continue keeps the client
        // from writing into a closed connection.
        request.Headers.ExpectContinue = true;
        return await http.SendAsync(request);
    }
}
