using System.Net;
using System.Text.RegularExpressions;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// A busy partition is not an outage (docs/security.md, "A busy partition"): while the partition of one client's mailbox
/// answers 503 ServerBusy, as Azure does for a partition past its scalability target, and that client keeps asking from
/// several addresses, a bystander at another address completes its transfers, the breaker that guards against a store
/// that stopped answering stays closed, and the busy mailbox is served again within seconds of its partition cooling.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed partial class BusyPartitionTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Attack = TimeSpan.FromSeconds(15);

    private StorageFaultProxy _proxy = null!;
    private RelayHost _relayHost = null!;

    public async Task InitializeAsync()
    {
        _proxy = StorageFaultProxy.Start();
        _relayHost = await RelayHost.StartAsync(new Dictionary<string, string> { ["Storage__ConnectionString"] = _proxy.ConnectionString });
    }

    public async Task DisposeAsync()
    {
        await _relayHost.DisposeAsync();
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task A_bystander_completes_its_transfers_while_one_partition_is_busy_and_the_busy_one_recovers_in_seconds()
    {
        var attackers = Enumerable.Range(21, 3).Select(last => new RelayClient(LoopbackAddresses.HttpClientFrom(LoopbackAddresses.At((byte)last), _relayHost.BaseAddress))).ToList();
        using var bystanderHttp = LoopbackAddresses.HttpClientFrom(LoopbackAddresses.At(31), _relayHost.BaseAddress);
        var bystander = new RelayClient(bystanderHttp);
        try
        {
            // The attacker's mailbox, and the partition storage keeps it in (read off the storage traffic: the relay
            // itself never tells).
            var target = RelayClient.NewId();
            using (var created = await attackers[0].CreateAsync(RelayClient.CreateBody(target), RelayClient.NewId()))
            {
                Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            }

            using (var preview = await attackers[0].PreviewAsync(target))
            {
                Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
            }

            var partition = _proxy.Exchanges.Select(e => PointKeys().Match(e.PathAndQuery))
                .First(m => m.Success && m.Groups["row"].Value == target).Groups["partition"].Value;
            _proxy.Busy((_, path) => path.Contains($"PartitionKey='{partition}'", StringComparison.Ordinal));

            using var attacking = new CancellationTokenSource(Attack);
            var attack = Task.WhenAll(attackers.SelectMany(attacker => Enumerable.Range(0, 8).Select(async _ =>
            {
                while (!attacking.IsCancellationRequested)
                {
                    using var response = await attacker.PreviewAsync(target);
                    if (response.StatusCode == HttpStatusCode.TooManyRequests)
                    {
                        await Task.Delay(100); // out of tokens: the attacker's pace, not a wait for the relay
                    }
                }
            })));

            var (completed, attempted, lastFailure) = (0, 0, "");
            while (!attacking.IsCancellationRequested)
            {
                // A person sharing keys: a few transfers a second at most, well within one client's rate limits.
                var pace = Task.Delay(TimeSpan.FromMilliseconds(400));
                attempted++;
                if (await TransferAsync(bystander) is { } failure)
                {
                    lastFailure = failure;
                }
                else
                {
                    completed++;
                }

                await pace;
            }

            await attack.DefaultTimeout();
            output.WriteLine($"bystander: {completed} of {attempted} transfers; partition {partition} answered {_proxy.BusyAnswers} requests ServerBusy; last failure: {lastFailure}");
            Assert.True(_proxy.BusyAnswers >= 130, $"the attack reached storage only {_proxy.BusyAnswers} times"); // as in the report: ~130 opened the breaker
            Assert.True(attempted >= 5, $"only {attempted} transfers attempted");
            Assert.True(attempted - completed <= Math.Max(1, attempted / 10), $"{completed} of {attempted} bystander transfers completed; last failure: {lastFailure}");
            Assert.DoesNotContain(_relayHost.LogLines, line => line.Contains("Table storage is failing", StringComparison.Ordinal));

            // The partition cools: its mailbox is served again within seconds.
            _proxy.Cool();
            var cooled = System.Diagnostics.Stopwatch.StartNew();
            HttpStatusCode status;
            do
            {
                using var preview = await attackers[1].PreviewAsync(target);
                status = preview.StatusCode;
            }
            while (status != HttpStatusCode.OK && cooled.Elapsed < TimeSpan.FromSeconds(5));

            Assert.Equal(HttpStatusCode.OK, status);
        }
        finally
        {
            attackers.ForEach(a => a.Http.Dispose());
        }
    }

    /// <summary>One stateless transfer (create, preview, read that binds, delete); null when every step succeeded, else what failed.</summary>
    private static async Task<string?> TransferAsync(RelayClient relay)
    {
        var id = RelayClient.NewId();
        var sender = RelayClient.NewId();
        using var created = await relay.CreateAsync(RelayClient.CreateBody(id), sender, RelayClient.NewId());
        if (created.StatusCode != HttpStatusCode.OK)
        {
            return $"create {(int)created.StatusCode}";
        }

        using var preview = await relay.PreviewAsync(id);
        using var read = await relay.ReadAsync(id, RelayClient.NewId());
        using var deleted = await relay.DeleteAsync(id, sender);
        return (preview.StatusCode, read.StatusCode, deleted.StatusCode) == (HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK)
            ? null
            : $"preview {(int)preview.StatusCode}, read {(int)read.StatusCode}, delete {(int)deleted.StatusCode}";
    }

    [GeneratedRegex("PartitionKey='(?<partition>[^']+)',RowKey='(?<row>[^']+)'")]
    private static partial Regex PointKeys();
}
