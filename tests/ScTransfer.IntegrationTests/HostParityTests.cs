using System.Net;
using System.Text.Json;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// What differed between the self-hosted runner and the Functions host (docs/design.md, "Two hosts, one set of
/// functions"), asked of whichever host this run uses (RELAY_TEST_HOST): scripts/test.sh runs these on both.
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class HostParityTests(RelayFixture fixture)
{
    private readonly HttpClient _http = fixture.Relay.CreateClient(); // raw: these answers are outside the OpenAPI paths

    [Theory]
    [InlineData("POST", "v2/m", 404, null)]
    [InlineData("GET", "v2/m/00000000-0000-4000-8000-000000000000", 404, null)]
    [InlineData("GET", "v1/m", 405, "POST")]
    [InlineData("OPTIONS", "v1/m", 405, "POST")]
    [InlineData("DELETE", "v1/m", 405, "POST")]
    [InlineData("OPTIONS", "v1/m/00000000-0000-4000-8000-000000000000", 405, "GET, HEAD, POST, PUT, PATCH, DELETE")]
    [InlineData("PUT", "v1/openapi.yaml", 405, "GET, HEAD")]
    [InlineData("POST", ".well-known/apple-app-site-association", 405, "GET, HEAD")]
    [InlineData("DELETE", ".well-known/assetlinks.json", 405, "GET, HEAD")]
    [InlineData("GET", ".well-known/other", 404, null)]
    public async Task Requests_no_endpoint_takes_get_a_problem_with_the_security_headers_and_the_correlation_id(
        string method, string path, int status, string? allow)
    {
        var correlation = RelayClient.NewId();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.TryAddWithoutValidation("Mailbox-Correlation-ID", correlation);
        if (method is "POST" or "PUT")
        {
            request.Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        }

        using var response = await _http.SendAsync(request);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal(correlation, response.Headers.GetValues("Mailbox-Correlation-ID").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal(allow, response.Content.Headers.Allow.Count == 0 ? null : string.Join(", ", response.Content.Headers.Allow));
    }

    [Fact]
    public async Task No_answer_names_the_server_software_beyond_what_the_host_itself_adds()
    {
        using var known = await _http.GetAsync("v1/m/" + RelayClient.NewId());
        using var unknown = await _http.PostAsync("v2/m", null);

        Assert.Equal(HttpStatusCode.NotFound, known.StatusCode);
        if (fixture.Relay.IsFunctions)
        {
            // The worker sends none (AddServerHeader = false; its own answers were checked by hand): what is left is
            // the host's own Kestrel, which the platform decides (docs/design.md, "Two hosts").
            Assert.Equal("Kestrel", known.Headers.Server.ToString());
            Assert.Equal("Kestrel", unknown.Headers.Server.ToString());
            return;
        }

        Assert.False(known.Headers.Contains("Server"), "Server: " + string.Join(", ", known.Headers.Server));
        Assert.False(unknown.Headers.Contains("Server"), "Server: " + string.Join(", ", unknown.Headers.Server));
    }

    [Theory]
    [InlineData("deviceClaim")]
    [InlineData("Mailbox-Device-Claim")]
    public async Task Two_claim_headers_are_refused_as_two_claims_whichever_way_the_host_passes_them(string header)
    {
        var (id, _) = await fixture.Client.CreateMailboxAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/m/" + id);
        request.Headers.TryAddWithoutValidation(header, [RelayClient.NewId(), RelayClient.NewId()]);

        using var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal($"Send one '{header}' header: several claims in one request are ambiguous.", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Start_up_notices_reach_the_log_the_host_keeps()
    {
        // Under Functions they are written again inside the first invocation after start-up (StartupNotices).
        using var response = await _http.GetAsync("v1/m/" + RelayClient.NewId());
        await Timeouts.WaitUntilAsync(() => fixture.Relay.DeliveredLogLines.Any(l => l.Contains(EventIds.MailboxTableReadyMessage, StringComparison.Ordinal)), TimeSpan.FromSeconds(10));
        var kept = fixture.Relay.DeliveredLogLines.ToList();
        Assert.Contains(kept, l => l.Contains(EventIds.MailboxTableReadyMessage, StringComparison.Ordinal));
        Assert.Contains(kept, l => l.Contains("Push notifications are off", StringComparison.Ordinal));
    }
}
