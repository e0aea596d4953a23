using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// A store that stops answering (docs/security.md, "A store that stops answering"): storage frozen behind the fault proxy,
/// every answer held, while people keep opening links and creating shares and a burst of 150 previews from five
/// addresses comes in. Within the first seconds the circuit breaker opens; from then on every request answers 503 with
/// Retry-After at once (none waits out the storage timeouts), none is ever told 429 (the places held by requests
/// waiting on silent storage are an outage, not a rate limit), and once storage answers again normal answers come back
/// within seconds, found by the breaker's probe rather than by a client.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class FrozenStorageTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How long the breaker may take to open: the first attempts wait out one network timeout (3 s by default).</summary>
    private static readonly TimeSpan OpensWithin = TimeSpan.FromSeconds(8);

    /// <summary>
    /// An answer "at once": under a second on a quiet machine; the bound leaves room for a busy one and is still short of
    /// the 3 s that any request waiting on storage takes.
    /// </summary>
    private static readonly TimeSpan AtOnce = TimeSpan.FromSeconds(2);

    private StorageFaultProxy _proxy = null!;
    private RelayHost _relayHost = null!;
    private RelayClient _relay = null!;

    public async Task InitializeAsync()
    {
        _proxy = StorageFaultProxy.Start();
        // The defaults that matter here (Storage__NetworkTimeout 3 s, Storage__MaxRetries 2), rate limits on.
        _relayHost = await RelayHost.StartAsync(new Dictionary<string, string> { ["Storage__ConnectionString"] = _proxy.ConnectionString });
        _relay = new RelayClient(_relayHost.CreateClient());
    }

    public async Task DisposeAsync()
    {
        await _relayHost.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task Once_storage_is_known_down_every_request_is_a_quick_503_and_normal_answers_return_after_it_thaws()
    {
        var live = RelayClient.NewId();
        using (var created = await _relay.CreateAsync(RelayClient.CreateBody(live), RelayClient.NewId()))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        }

        _proxy.Freeze();
        var frozen = Stopwatch.StartNew();
        var answers = new ConcurrentQueue<(TimeSpan At, TimeSpan Took, HttpStatusCode Status, string? RetryAfter)>();

        // A burst while storage is silent: 150 people at five carrier addresses open a link at once, more than the
        // instance's 128 places. The places fill with requests waiting on storage; the rest must hear 503, not 429.
        var burst = Task.Run(async () =>
        {
            // Once the relay can tell: its storage calls have waited past the stall threshold (both clocks are the machine's).
            await Timeouts.WaitUntilAsync(() => _proxy.FrozenFor > StorageHealth.DefaultStallThreshold);
            var clients = Enumerable.Range(11, 5).Select(last => LoopbackAddresses.HttpClientFrom(LoopbackAddresses.At((byte)last), _relayHost.BaseAddress)).ToList();
            try
            {
                await Task.WhenAll(Enumerable.Range(0, 150).Select(async i =>
                {
                    var started = frozen.Elapsed;
                    using var response = await new RelayClient(clients[i % clients.Count]).PreviewAsync(live);
                    answers.Enqueue((started, frozen.Elapsed - started, response.StatusCode,
                        response.Headers.TryGetValues("Retry-After", out var after) ? after.Single() : null));
                }));
            }
            finally
            {
                clients.ForEach(c => c.Dispose());
            }
        });
        // For 16 s of frozen storage: six people opening links (a preview every 300 ms each) and two creating shares (one a
        // second each), paced within the default rate limits, so that any 429 could only come from the outage.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            var creates = worker >= 6;
            while (frozen.Elapsed < TimeSpan.FromSeconds(16))
            {
                var started = frozen.Elapsed;
                using (var response = creates
                    ? await _relay.CreateAsync(RelayClient.CreateBody(RelayClient.NewId()), RelayClient.NewId())
                    : await _relay.PreviewAsync(live))
                {
                    answers.Enqueue((started, frozen.Elapsed - started, response.StatusCode,
                        response.Headers.TryGetValues("Retry-After", out var after) ? after.Single() : null));
                }

                var pause = (creates ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(300)) - (frozen.Elapsed - started);
                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause); // the pace of a person, within the rate limits
                }
            }
        }));
        await burst.DefaultTimeout();

        foreach (var group in answers.GroupBy(a => (int)a.At.TotalSeconds).OrderBy(g => g.Key))
        {
            output.WriteLine($"{group.Key,2}s: {group.Count(),3} answers, slowest {group.Max(a => a.Took).TotalMilliseconds,6:F0} ms, "
                + string.Join(", ", group.GroupBy(a => (int)a.Status).Select(s => $"{s.Count()} x {s.Key}")));
        }

        Assert.DoesNotContain(answers, a => a.Status == HttpStatusCode.TooManyRequests); // an outage is never a rate limit
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.ServiceUnavailable, a.Status));
        Assert.All(answers, a => Assert.Equal("2", a.RetryAfter));
        var afterOpening = answers.Where(a => a.At > OpensWithin).ToList();
        Assert.True(afterOpening.Count >= 50, $"{afterOpening.Count} requests after the breaker opened");
        Assert.All(afterOpening, a => Assert.True(a.Took < AtOnce, $"a request at {a.At} took {a.Took}"));

        // Storage answers again: within 10 s the relay serves normally, the mailbox created before the freeze included.
        _proxy.Thaw();
        var thawed = Stopwatch.StartNew();
        var status = HttpStatusCode.ServiceUnavailable;
        await Timeouts.WaitUntilAsync(async () =>
        {
            using var preview = await _relay.PreviewAsync(live);
            return (status = preview.StatusCode) == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(10), () => $"the last preview answered {(int)status}");

        output.WriteLine($"normal answers {thawed.Elapsed.TotalSeconds:F1} s after the thaw");
        Assert.Contains(_relayHost.DeliveredLogLines, l => l.Contains("Table storage is failing", StringComparison.Ordinal));
        // Hundreds of failed requests, a handful of lines: the log does not grow with the traffic (at most one a minute).
        Assert.InRange(_relayHost.LogLines.Count(l => l.Contains("Table storage unavailable", StringComparison.Ordinal)), 0, 2);
    }
}
