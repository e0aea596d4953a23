using Azure;
using Polly.CircuitBreaker;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>What both stores do with a failed storage call (503 or an answer the protocol reads), in one place.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class StorageOutageTests
{
    [Fact]
    public async Task An_outage_fails_saying_whether_the_open_breaker_refused_it_and_an_answer_passes_through()
    {
        var lines = new List<string>();
        var outage = new StorageOutage("Retry later.", (type, status, failures) => lines.Add($"{type} {status} {failures}"));

        var refused = await Assert.ThrowsAsync<StorageUnavailableException>(() => outage.GuardAsync<int>(() => throw new BrokenCircuitException(), default));
        var failed = await Assert.ThrowsAsync<StorageUnavailableException>(() => outage.GuardAsync<int>(() => throw new RequestFailedException(503, "busy"), default));
        await Assert.ThrowsAsync<RequestFailedException>(() => outage.GuardAsync<int>(() => throw new RequestFailedException(412, "moved"), default));

        Assert.True(refused.BreakerOpen);
        Assert.False(failed.BreakerOpen);
        Assert.Equal("Retry later.", failed.Message);
        Assert.Equal(["RequestFailedException 503 1"], lines); // the breaker logs its own opening, once
    }
}
