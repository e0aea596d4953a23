using System.Net;
using Azure.Data.Tables;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// Rate limits (docs/security.md) end to end on the self-hosted runner over Azurite: over a limit the answer is 429
/// problem+json with Retry-After and the echoed Mailbox-Correlation-ID, and nothing reaches storage. Every response is
/// checked against docs/openapi.yaml. Each test starts its own relay with small limits (the suite's shared relay has
/// them off).
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class RateLimitTests
{
    [Fact]
    public async Task A_create_over_the_clients_limit_gets_429_with_Retry_After_and_stores_nothing()
    {
        await using var host = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["RateLimiting__Create__PermitLimit"] = "3",
            ["RateLimiting__Create__TokensPerPeriod"] = "1",
            ["RateLimiting__Create__ReplenishmentSeconds"] = "60",
        });
        var relay = new RelayClient(OpenApiContract.CreateClient(host));
        for (var i = 0; i < 3; i++)
        {
            await relay.CreateMailboxAsync();
        }

        var refusedId = RelayClient.NewId();
        var correlationId = RelayClient.NewId();
        using var refused = await relay.CreateAsync(RelayClient.CreateBody(refusedId), RelayClient.NewId(), correlationId);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 50, 60); // one token a minute, rounded up to whole seconds
        Assert.Equal(correlationId, Assert.Single(refused.Headers.GetValues("Mailbox-Correlation-ID")));
        Assert.Equal("nosniff", Assert.Single(refused.Headers.GetValues("X-Content-Type-Options")));
        Assert.Contains($"retry after {retryAfter} seconds", await RelayClient.ProblemDetailAsync(refused), StringComparison.Ordinal);

        // Nothing of the refused create reached storage: three mailboxes (and their index rows), and no entity names it.
        var table = Azurite.CreateServiceClient().GetTableClient(host.MailboxTable);
        await foreach (var entity in table.QueryAsync<TableEntity>())
        {
            Assert.DoesNotContain(refusedId, string.Join('|', entity.Select(p => p.Key + "=" + p.Value)), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Equal(3, (await DueIndexAudit.AssertConsistentAsync(table)).Mailboxes);
        using var preview = await relay.PreviewAsync(refusedId); // reads have their own bucket
        Assert.Equal(HttpStatusCode.NotFound, preview.StatusCode);
    }

    [Fact]
    public async Task Clients_behind_a_trusted_proxy_are_limited_apart_and_a_forged_left_entry_changes_nothing()
    {
        await using var host = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["RateLimiting__TrustedForwardedHops"] = "1",
            ["RateLimiting__Write__PermitLimit"] = "2",
            ["RateLimiting__Write__TokensPerPeriod"] = "1",
            ["RateLimiting__Write__ReplenishmentSeconds"] = "60",
        });
        using var http = OpenApiContract.CreateClient(host);

        // Deletes of mailboxes that do not exist: a cheap write the Write bucket counts all the same.
        if (host.IsFunctions)
        {
            // The Functions host forwards through YARP, which replaces X-Forwarded-For with the address it saw (here the
            // test's loopback): whatever a client writes there, it cannot choose its bucket.
            Assert.Equal(HttpStatusCode.NotFound, await DeleteFromAsync(http, "203.0.113.10"));
            Assert.Equal(HttpStatusCode.NotFound, await DeleteFromAsync(http, "203.0.113.11"));
            Assert.Equal(HttpStatusCode.TooManyRequests, await DeleteFromAsync(http, "198.51.100.77, 203.0.113.12"));
            return;
        }

        Assert.Equal(HttpStatusCode.NotFound, await DeleteFromAsync(http, "203.0.113.10"));
        Assert.Equal(HttpStatusCode.NotFound, await DeleteFromAsync(http, "203.0.113.10:40001"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await DeleteFromAsync(http, "203.0.113.10"));
        // The proxy appends what it saw; anything the client wrote to the left of it is not believed.
        Assert.Equal(HttpStatusCode.TooManyRequests, await DeleteFromAsync(http, "198.51.100.77, 203.0.113.10"));

        Assert.Equal(HttpStatusCode.NotFound, await DeleteFromAsync(http, "203.0.113.11"));
        Assert.Equal(HttpStatusCode.NotFound, await DeleteFromAsync(http, "[2001:db8:5:6::1]:443"));
        Assert.Equal(HttpStatusCode.NotFound, await DeleteFromAsync(http, "2001:db8:5:6::2"));
        Assert.Equal(HttpStatusCode.TooManyRequests, await DeleteFromAsync(http, "2001:db8:5:6:abcd::3")); // same /64
    }

    [Fact]
    public async Task With_limits_disabled_no_request_gets_429()
    {
        await using var host = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["RateLimiting__Enabled"] = "false",
            ["RateLimiting__MaxConcurrentRequests"] = "1",
            ["RateLimiting__Create__PermitLimit"] = "1",
            ["RateLimiting__Create__ReplenishmentSeconds"] = "3600",
        });
        var relay = new RelayClient(OpenApiContract.CreateClient(host));

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await relay.CreateAsync(RelayClient.CreateBody(RelayClient.NewId()), RelayClient.NewId(), RelayClient.NewId());
            return response.StatusCode;
        }));

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.OK, status));
    }

    [Fact]
    public async Task Past_the_concurrency_ceiling_a_request_gets_429_at_once()
    {
        // The one place is held by a create whose storage answer is held back (not by a half-sent body: the Functions
        // host buffers a whole body before the worker sees the request), so this runs alike on both hosts.
        await using var proxy = StorageFaultProxy.Start();
        await using var host = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["RateLimiting__MaxConcurrentRequests"] = "1",
            ["Storage__ConnectionString"] = proxy.ConnectionString,
            ["Storage__NetworkTimeout"] = "00:00:30", // storage counts as stalled only after 10 s: the probe below is a 429 however slow the machine
        });
        using var http = OpenApiContract.CreateClient(host);
        var relay = new RelayClient(http);

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        proxy.HoldNextAnswer((method, path) => method == "POST" && path.EndsWith("/$batch", StringComparison.Ordinal), release.Task); // the create
        var held = relay.CreateAsync(RelayClient.CreateBody(RelayClient.NewId()), RelayClient.NewId(), RelayClient.NewId());
        await Timeouts.WaitUntilAsync(() => proxy.Held.Count > 0, TimeSpan.FromSeconds(10)); // the create is inside the relay, waiting on storage
        var correlationId = RelayClient.NewId();
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/openapi.yaml");
        request.Headers.TryAddWithoutValidation("Mailbox-Correlation-ID", correlationId);
        using var refused = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("1", Assert.Single(refused.Headers.GetValues("Retry-After")));
        Assert.Equal(correlationId, Assert.Single(refused.Headers.GetValues("Mailbox-Correlation-ID")));

        // The held create completes, and its place is free again.
        release.SetResult();
        using (var created = await held.DefaultTimeout())
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        // The place is given back once the answer has gone out, a moment after the client may already hold it.
        await Timeouts.WaitUntilAsync(async () =>
        {
            using var admitted = await http.GetAsync("v1/openapi.yaml");
            return admitted.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(5), () => "the held create's place was not given back");
    }

    private static async Task<HttpStatusCode> DeleteFromAsync(HttpClient http, string forwardedFor)
    {
        using var request = RelayClient.Request(HttpMethod.Delete, "v1/m/" + RelayClient.NewId(), RelayClient.NewId());
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }
}
