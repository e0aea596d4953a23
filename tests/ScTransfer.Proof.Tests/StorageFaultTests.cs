using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// The Table service dies under live transfers and comes back: meanwhile every answer is a success or a 503 with
/// Retry-After, in bounded time; afterwards the same relay process serves again within 5 s, and every mailbox is
/// either wholly readable or absent.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class StorageFaultTests
{
    private const int Workers = 8;
    private static readonly TimeSpan PerRequestBound = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(5);

    private sealed record Answer(string Step, int Status, bool RetryAfter, TimeSpan Took, bool AfterKill);

    [Fact]
    public async Task Killing_storage_mid_transfer_gives_503s_then_recovery_within_5_s_and_no_half_written_mailbox()
    {
        using var azurite = DedicatedAzurite.Start();
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            ["Storage__ConnectionString"] = azurite.ConnectionString,
            ["Storage__NetworkTimeout"] = "00:00:02",
            ["Storage__MaxRetries"] = "1",
            ["RateLimiting__Enabled"] = "false", // eight workers from one address measure storage faults, not the limits
        });
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Workers * 2 }) { BaseAddress = relay.BaseAddress, Timeout = PerRequestBound };

        var answers = new ConcurrentQueue<Answer>();
        var sent = new ConcurrentDictionary<string, (string Sender, ConcurrentBag<string> Payloads)>();
        var killed = false;
        using var stop = new CancellationTokenSource();

        async Task<int> Step(string step, HttpMethod method, string path, string claim, JsonNode? body = null, string? correlation = null)
        {
            var afterKill = Volatile.Read(ref killed);
            var clock = Stopwatch.StartNew();
            int status;
            bool retryAfter;
            try
            {
                using var response = await http.SendAsync(method, path, claim, body, correlation);
                await response.Content.ReadAsByteArrayAsync();
                (status, retryAfter) = ((int)response.StatusCode, response.Headers.RetryAfter is not null);
            }
            catch (TaskCanceledException)
            {
                (status, retryAfter) = (-1, false); // no answer within the bound
            }

            answers.Enqueue(new Answer(step, status, retryAfter, clock.Elapsed, afterKill));
            return status;
        }

        // Each worker runs whole transfers: create, the receiver reads (binds), the receiver updates, the sender reads.
        async Task Transfers()
        {
            while (!stop.IsCancellationRequested)
            {
                var (id, sender, receiver) = (RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
                var (first, second) = (RelayClient.RandomPayloadData(90_000), RelayClient.RandomPayloadData(200)); // the first spans two chunks
                var payloads = new ConcurrentBag<string> { first };
                sent[id] = (sender, payloads);
                if (await Step("create", HttpMethod.Post, "v1/m", sender, RelayClient.CreateBody(id, first), RelayClient.NewId()) is not (200 or 201)
                    || await Step("read", HttpMethod.Post, "v1/m/" + id, receiver) != 200)
                {
                    continue;
                }

                payloads.Add(second);
                if (await Step("update", HttpMethod.Put, "v1/m/" + id, receiver, RelayClient.UpdateBody(second, RelayClient.Token("com.google.fcm", "fcm-fault")), RelayClient.NewId()) is not (200 or 201))
                {
                    continue;
                }

                await Step("read back", HttpMethod.Post, "v1/m/" + id, sender);
            }
        }

        var workers = Enumerable.Range(0, Workers).Select(_ => Task.Run(Transfers)).ToArray();
        await Timeouts.WaitUntilAsync(() => answers.Any(a => a.Step == "update" && a.Status == 200)); // transfers in full swing

        azurite.Kill();
        Volatile.Write(ref killed, true);
        await Timeouts.WaitUntilAsync( // the outage is seen
            () => answers.Count(a => a.AfterKill && a.Status == 503) >= Workers, detail: () => "answers since the kill: " + string.Join(", ",
                answers.Where(a => a.AfterKill).GroupBy(a => a.Status).Select(g => $"{g.Count()} x {g.Key}")));

        azurite.StartAgain();
        // The clock starts when storage itself answers: what is bounded is the relay's recovery, not Azurite's start.
        var direct = azurite.CreateServiceClient().GetTableClient(relay.MailboxTable);
        await Timeouts.WaitUntilAsync(async () =>
        {
            try
            {
                await direct.GetEntityIfExistsAsync<Azure.Data.Tables.TableEntity>("probe", "probe");
                return true;
            }
            catch (Azure.RequestFailedException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), () => "the restarted Azurite did not answer");
        var restarted = Stopwatch.StartNew();
        await Timeouts.WaitUntilAsync(async () =>
        {
            // A write, not a read: a read of a missing mailbox cannot tell an emptied store from a working one.
            using var probe = await http.SendAsync(HttpMethod.Post, "v1/m", RelayClient.NewId(), RelayClient.CreateBody(RelayClient.NewId(), RelayClient.RandomPayloadData()), RelayClient.NewId());
            return probe.StatusCode == HttpStatusCode.OK;
        }, RecoveryBound, () => "the relay did not serve again after the restart");

        var recoveryTime = restarted.Elapsed;
        // Transfers resume against the restarted service.
        await Timeouts.WaitUntilAsync(() => answers.Any(a => a.AfterKill && a.Status == 200 && a.Step == "create"));
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        // Every answer was a success or a 503 with Retry-After, never a 500 or another status, and came in time.
        var wrong = answers.Where(a => a.Status is not (200 or 201) && !(a.Status == 503 && a.RetryAfter)).ToList();
        Assert.True(wrong.Count == 0, "unexpected answers:\n" + string.Join('\n', wrong.Take(20))
            + "\nrelay exceptions:\n" + string.Join('\n', relay.LogLines.Where(l => l.Contains("Exception", StringComparison.Ordinal)).Distinct().Take(20)));
        Assert.All(answers, a => Assert.True(a.Took < PerRequestBound, $"{a.Step} took {a.Took}"));
        Assert.Contains(answers, a => a.AfterKill && a.Status == 503); // the outage was seen
        Assert.Contains(answers, a => a.AfterKill && a.Status == 200 && a.Step == "create"); // and transfers resumed after it

        // Each mailbox is wholly readable with one of the payloads it was sent, or absent; never half-written.
        var verdicts = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(sent, new ParallelOptions { MaxDegreeOfParallelism = Workers }, async (entry, cancellationToken) =>
        {
            var (id, (sender, payloads)) = entry;
            using var read = await http.SendAsync(HttpMethod.Post, "v1/m/" + id, sender);
            if (read.StatusCode == HttpStatusCode.OK)
            {
                var data = (string)JsonNode.Parse(await read.Content.ReadAsStringAsync(cancellationToken))!["payload"]!["data"]!;
                if (!payloads.Contains(data))
                {
                    verdicts.Enqueue($"{id}: readable, but with a payload it was never sent");
                }
            }
            else if (read.StatusCode != HttpStatusCode.NotFound)
            {
                verdicts.Enqueue($"{id}: {(int)read.StatusCode}, neither readable nor absent");
            }
        });
        Assert.True(verdicts.IsEmpty, string.Join('\n', verdicts.Take(20)));

        // And every stored mailbox has its index row in its shard partition (and no row is without its mailbox), or the
        // purge would never find it.
        var audit = await DueIndexAudit.AssertConsistentAsync(azurite.CreateServiceClient().GetTableClient(relay.MailboxTable));
        var stored = audit.Mailboxes;
        Assert.True(stored > 0);
        Console.WriteLine($"{answers.Count} answers, {answers.Count(a => a.Status == 503)} × 503, {sent.Count} transfers, {stored} mailboxes stored; recovered {recoveryTime.TotalSeconds:F1} s after the restart");
    }
}
