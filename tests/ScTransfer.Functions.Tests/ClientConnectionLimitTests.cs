using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.SelfHost;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The self-hosted runner's connection middleware in process: one client's open connections are capped, and so are those
/// of all the /64s of one IPv6 /56 or /48 together; others are not touched, and a refused connection is counted. The end-to-end proof with 1,040 idle sockets is IdleConnectionTests.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class ClientConnectionLimitTests : IDisposable
{
    private readonly RefusalRecorder _recorder = new();
    private readonly TaskCompletionSource _hangUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _served;

    [Fact]
    public async Task A_client_holds_at_most_its_share_of_connections_and_gets_a_place_back_when_one_closes()
    {
        var connect = Limit(new RateLimitingOptions { MaxConnectionsPerClient = 2 });

        var open = new[] { connect(From("203.0.113.7")), connect(From("203.0.113.7")) };
        var refused = connect(From("203.0.113.7"));
        var neighbour = connect(From("203.0.113.8"));
        var sameV6Subscriber = new[] { connect(From("2001:db8:1:2::1")), connect(From("2001:db8:1:2::2")), connect(From("2001:db8:1:2::3")) };

        await refused.WaitAsync(TimeSpan.FromSeconds(5)); // closed at once, without reaching Kestrel's HTTP layer
        await sameV6Subscriber[2].WaitAsync(TimeSpan.FromSeconds(5)); // one /64 is one client
        Assert.Equal(5, Volatile.Read(ref _served));
        Assert.False(neighbour.IsCompleted);
        Assert.Equal(2, _recorder.Counted(RefusalReason.ClientConnections));

        _hangUp.SetResult();
        await Task.WhenAll([.. open, neighbour, sameV6Subscriber[0], sameV6Subscriber[1]]).WaitAsync(TimeSpan.FromSeconds(5));
        await connect(From("203.0.113.7")).WaitAsync(TimeSpan.FromSeconds(5)); // served: its places are free again
        Assert.Equal(6, Volatile.Read(ref _served));
    }

    [Fact]
    public async Task The_64s_of_one_56_or_48_together_hold_at_most_its_multiple_of_a_clients_connections()
    {
        var connect = Limit(new RateLimitingOptions { MaxConnectionsPerClient = 2, IPv6Prefix56Multiple = 4, IPv6Prefix48Multiple = 6 });

        // Two connections from each of 63 /64s of one /56: each /64 within its own 2, the /56 over its 4 × 2.
        var fromOne56 = Enumerable.Range(1, 63).SelectMany(i => new[] { connect(From($"2001:db8:ab00:{i:x}::1")), connect(From($"2001:db8:ab00:{i:x}::2")) }).ToList();
        // Then another /56 of the same /48: the /48 (6 × 2) has 4 places left.
        var fromAnother56 = Enumerable.Range(1, 5).Select(i => connect(From($"2001:db8:ab00:1{i:x2}::1"))).ToList();
        var elsewhere = new[] { connect(From("2001:db8:cd00:1::1")), connect(From("203.0.113.7")) };

        // A refused connection's task has ended (closed at once); a served one is open until the test hangs up.
        Assert.Equal(4 * 2, fromOne56.Count(c => !c.IsCompleted)); // before: 126
        Assert.Equal(4, fromAnother56.Count(c => !c.IsCompleted));
        Assert.All(elsewhere, c => Assert.False(c.IsCompleted));
        Assert.Equal(8 + 4 + 2, Volatile.Read(ref _served));
        Assert.Equal(126 - 8 + 1, _recorder.Counted(RefusalReason.ClientConnections));

        _hangUp.SetResult();
        await Task.WhenAll([.. fromOne56, .. fromAnother56, .. elsewhere]).WaitAsync(TimeSpan.FromSeconds(5));
        await connect(From("2001:db8:ab00:3f::1")).WaitAsync(TimeSpan.FromSeconds(5)); // the places came back
        Assert.Equal(15, Volatile.Read(ref _served));
    }

    [Theory]
    [InlineData(true, 1)] // behind a proxy every connection is the proxy's: the cap would lock everybody out
    [InlineData(false, 0)] // limits off
    public async Task The_cap_is_off_behind_a_trusted_proxy_and_with_the_limits_off(bool enabled, int trustedHops)
    {
        var connect = Limit(new RateLimitingOptions { Enabled = enabled, TrustedForwardedHops = trustedHops, MaxConnectionsPerClient = 1 });
        _hangUp.SetResult();

        for (var i = 0; i < 5; i++)
        {
            await connect(From("203.0.113.7")).WaitAsync(TimeSpan.FromSeconds(5));
        }

        Assert.Equal(5, _served);
        Assert.Equal(0, _recorder.Counted(RefusalReason.ClientConnections));
    }

    public void Dispose() => _recorder.Dispose();

    private ConnectionDelegate Limit(RateLimitingOptions options) =>
        new ClientConnectionLimit(Options.Create(options), _recorder.Refusals).Wrap(async _ =>
        {
            Interlocked.Increment(ref _served);
            await _hangUp.Task; // an open connection, until the test hangs up
        });

    private static DefaultConnectionContext From(string address) =>
        new() { RemoteEndPoint = new IPEndPoint(IPAddress.Parse(address), 50_000) };
}
