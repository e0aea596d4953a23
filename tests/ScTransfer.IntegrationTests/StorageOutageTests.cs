using System.Diagnostics;
using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>Storage unreachable: every storage-backed answer is 503 with Retry-After, quickly, never 500.</summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class StorageOutageTests
{
    [Fact]
    public async Task Without_reachable_storage_every_endpoint_answers_503_with_Retry_After_within_a_bound()
    {
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            // Nothing listens on port 9: connections are refused, as when the emulator or the account is down.
            ["Storage__ConnectionString"] = Azurite.UnreachableConnectionString,
        }, waitForStorage: false);
        var client = new RelayClient(OpenApiContract.CreateClient(relay));
        var id = RelayClient.NewId();
        var watch = Stopwatch.StartNew();

        var responses = new[]
        {
            await client.CreateAsync(RelayClient.CreateBody(id), RelayClient.NewId(), "corr-1"),
            await client.PreviewAsync(id),
            await client.ReadAsync(id, RelayClient.NewId()),
            await client.UpdateAsync(id, RelayClient.UpdateBody(), RelayClient.NewId()),
            await client.DeleteAsync(id, RelayClient.NewId()),
            await client.RelinquishAsync(id, RelayClient.NewId()),
        };

        Assert.All(responses, r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
            Assert.Equal("2", r.Headers.GetValues("Retry-After").Single());
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        });
        Assert.Equal("corr-1", responses[0].Headers.GetValues("Mailbox-Correlation-ID").Single());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"six requests took {watch.Elapsed}");
    }
}
