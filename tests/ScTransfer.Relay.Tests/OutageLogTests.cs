using Polly.CircuitBreaker;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>An outage costs the log a line a minute, not a line a request (docs/security.md, "A store that stops answering").</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class OutageLogTests
{
    [Fact]
    public void A_flood_of_storage_failures_gets_one_line_and_failures_refused_by_the_open_breaker_none()
    {
        var log = new OutageLog();

        Assert.True(log.ShouldLog(new HttpRequestException("refused"), out var first));
        Assert.Equal(1, first);
        var lines = Enumerable.Range(0, 10_000).Count(i => log.ShouldLog(new TimeoutException(), out _));
        Assert.Equal(0, lines); // within the minute: counted for the next line, not logged

        var fresh = new OutageLog();
        Assert.False(fresh.ShouldLog(new BrokenCircuitException(), out _)); // the breaker logged its opening once
        Assert.True(fresh.ShouldLog(new HttpRequestException("refused"), out _));
    }
}
