using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ScTransfer.Testing;
using Xunit.Abstractions;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// Over ten thousand generated malformed and hostile requests against a real relay over real Azurite: none gets a
/// 5xx, none hangs, none that is refused changes any stored state, and the mailboxes they aim at are intact after.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class HostileInputTests(ITestOutputHelper output)
{
    private const int HttpRequests = 9_000;
    private const int RawRequests = 1_500;
    private const int Concurrency = 16;
    private static readonly TimeSpan PerRequestBound = TimeSpan.FromSeconds(20);

    /// <summary>Fixed, so a failure replays exactly; set PROOF_SEED to explore other runs.</summary>
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("PROOF_SEED"), out var seed) ? seed : 20261128;

    [Fact]
    public async Task Ten_thousand_hostile_requests_get_no_5xx_no_hang_and_change_nothing()
    {
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string>
        {
            // Not Debug: ten thousand requests' worth of Debug output would slow the run. The check needs only errors.
            ["Logging__LogLevel__Default"] = "Information",
            // Ten thousand requests from one address would meet the rate limits (RateLimitTests proves those);
            // this test measures what the handlers do with hostile input, so every request must reach them.
            ["RateLimiting__Enabled"] = "false",
        });
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency, Expect100ContinueTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = relay.BaseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };

        // Six mailboxes with both parties bound (so no stranger's well-formed read can bind), of different rights.
        var mailboxes = new List<SeededMailbox>();
        var payloads = new Dictionary<string, string>();
        foreach (var rights in new[] { "RWD", "RWD", "RW", "R", "RD", "RWD" })
        {
            var mailbox = new SeededMailbox(RelayClient.NewId(), RelayClient.NewId(), RelayClient.NewId());
            var data = RelayClient.RandomPayloadData(100);
            await new RelayClient(http).CreateMailboxAsync(RelayClient.CreateBody(mailbox.Id, data, RelayClient.Token("com.apple.apns", "apns-seed-" + mailbox.Id), rights), mailbox.SenderClaim);
            using var bind = await http.SendAsync(HttpMethod.Post, "v1/m/" + mailbox.Id, mailbox.ReceiverClaim);
            Assert.Equal(HttpStatusCode.OK, bind.StatusCode);
            mailboxes.Add(mailbox);
            payloads[mailbox.Id] = data;
        }

        var storage = Azurite.CreateServiceClient();
        var before = await TableDump.OfAsync(storage, relay.MailboxTable);
        Assert.Equal(2 * mailboxes.Count, before.Count); // one entity and its index row each, in the one mailbox table

        var maxBody = int.Parse(await MaxBodyAsync(http, mailboxes[0]), System.Globalization.CultureInfo.InvariantCulture);
        var httpRequests = new HostileRequests(Seed, mailboxes, maxBody).Generate(HttpRequests);
        var rawRequests = new RawHostileRequests(Seed, mailboxes).Generate(RawRequests);

        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<string, int>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(httpRequests, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (request, _) =>
        {
            var status = await SendAsync(http, request);
            statuses.AddOrUpdate($"{status}", 1, (_, n) => n + 1);
            if (Verdict(status, request.MaySucceed) is { } problem)
            {
                failures.Enqueue($"{problem}: {request.Kind} ({request.Method} {Shorten(request.Path)})");
            }
        });
        await Parallel.ForEachAsync(rawRequests, new ParallelOptions { MaxDegreeOfParallelism = Concurrency }, async (request, _) =>
        {
            var status = await SendRawAsync(relay.BaseAddress, request.Bytes);
            statuses.AddOrUpdate($"raw {status}", 1, (_, n) => n + 1);
            var isGet = request.Bytes.AsSpan().StartsWith("GET "u8);
            if ((status != 505 || request.Kind != RawHostileRequest.UnsupportedVersion) && Verdict(status, isGet) is { } problem)
            {
                failures.Enqueue($"{problem}: raw {request.Kind}: {Shorten(Encoding.Latin1.GetString(request.Bytes))}");
            }
        });
        clock.Stop();

        output.WriteLine($"seed {Seed}: {httpRequests.Count} HTTP + {rawRequests.Count} raw requests in {clock.Elapsed.TotalSeconds:F1} s");
        foreach (var (status, count) in statuses.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {status}: {count}");
        }

        var distinct = failures.GroupBy(f => f).Select(g => $"{g.Count()} × {g.Key}").Take(40);
        Assert.True(failures.IsEmpty, $"seed {Seed}: {failures.Count} failures:\n" + string.Join('\n', distinct));

        // Nothing refused changed anything: the tables are entity for entity, ETag for ETag, what they were.
        var after = await TableDump.OfAsync(storage, relay.MailboxTable);
        Assert.Equal(before, after);

        // And the mailboxes still serve their parties as before.
        foreach (var mailbox in mailboxes)
        {
            using var read = await http.SendAsync(HttpMethod.Post, "v1/m/" + mailbox.Id, mailbox.ReceiverClaim);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Contains(payloads[mailbox.Id], await read.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var unhandled = relay.LogLines.Where(line => line.StartsWith("fail:", StringComparison.Ordinal) || line.Contains("Unhandled", StringComparison.Ordinal)).ToList();
        Assert.True(unhandled.Count == 0, "the relay logged failures:\n" + string.Join('\n', unhandled.Take(10)));
    }

    /// <summary>Null when the status is acceptable for a hostile request: a 4xx, or a 2xx for a read-only preview.</summary>
    private static string? Verdict(int status, bool maySucceed) => status switch
    {
        Hung => "no answer within " + PerRequestBound.TotalSeconds + " s",
        >= 500 => $"{status} answer",
        >= 200 and < 300 when !maySucceed => $"{status}: a hostile request was accepted",
        ClosedWithoutAnswer or (>= 400 and < 500) => null,
        >= 200 and < 300 => null,
        _ => $"unexpected {status}",
    };

    private const int Hung = -1;
    private const int ClosedWithoutAnswer = 0;

    private static async Task<int> SendAsync(HttpClient http, HostileRequest hostile)
    {
        using var timeout = new CancellationTokenSource(PerRequestBound);
        using var request = new HttpRequestMessage(hostile.Method, hostile.Path);
        if (hostile.Body is not null)
        {
            request.Content = new ByteArrayContent(hostile.Body);
            if (hostile.ContentType is not null)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", hostile.ContentType);
            }

            // Oversize bodies are refused before they are read: wait for 100-continue rather than write into a closed connection.
            request.Headers.ExpectContinue = hostile.Body.Length > 64 * 1024;
            request.Headers.TransferEncodingChunked = hostile.Chunked;
        }

        foreach (var (name, value) in hostile.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                throw new InvalidOperationException($"HttpClient refused header {name}; generate it as a raw request instead.");
            }
        }

        try
        {
            using var response = await http.SendAsync(request, timeout.Token);
            await response.Content.ReadAsByteArrayAsync(timeout.Token);
            if (response.Headers.Contains("Set-Cookie") || response.Headers.Any(h => h.Value.Any(v => v.Contains("injected", StringComparison.Ordinal))))
            {
                return 999; // a header was injected into the answer
            }

            return (int)response.StatusCode;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Hung;
        }
        catch (HttpRequestException) when (hostile.Chunked)
        {
            // A chunked oversize body: the relay answers 413 at the limit and closes while the client still writes.
            return ClosedWithoutAnswer;
        }
    }

    /// <summary>Writes the bytes on a fresh connection; the status of the answer, 0 if closed without one, -1 on timeout.</summary>
    private static async Task<int> SendRawAsync(Uri baseAddress, byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(PerRequestBound);
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(baseAddress.Host, baseAddress.Port, timeout.Token);
            var stream = client.GetStream();
            try
            {
                await stream.WriteAsync(bytes, timeout.Token);
            }
            catch (IOException)
            {
                // The relay answered and closed before taking everything: read what it said.
            }

            var received = new MemoryStream();
            var buffer = new byte[4096];
            int read;
            try
            {
                while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
                {
                    received.Write(buffer, 0, read);
                    if (received.Length >= 12 && Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length).Contains("\r\n\r\n", StringComparison.Ordinal))
                    {
                        break;
                    }
                }
            }
            catch (IOException)
            {
                // reset after the answer: what was read is enough
            }

            var head = Encoding.Latin1.GetString(received.GetBuffer(), 0, (int)received.Length);
            if (head.Contains("\r\nSet-Cookie", StringComparison.OrdinalIgnoreCase) || head.Contains("injected", StringComparison.Ordinal))
            {
                return 999;
            }

            return head.Length >= 12 && head.StartsWith("HTTP/1.", StringComparison.Ordinal) && int.TryParse(head.AsSpan(9, 3), out var status)
                ? status
                : ClosedWithoutAnswer;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return Hung;
        }
    }

    /// <summary>The relay's body limit, read from its own 413 answer so the oversize requests track configuration.</summary>
    private static async Task<string> MaxBodyAsync(HttpClient http, SeededMailbox mailbox)
    {
        using var request = RelayClient.RawRequest(HttpMethod.Put, "v1/m/" + mailbox.Id, mailbox.ReceiverClaim, new ByteArrayContent(new byte[4 * 1024 * 1024]));
        request.Content!.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        request.Headers.ExpectContinue = true;
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var detail = await response.Content.ReadAsStringAsync();
        return System.Text.RegularExpressions.Regex.Match(detail, @"at most (\d+) bytes").Groups[1].Value;
    }

    private static string Shorten(string text) => text.Length <= 160 ? text.ReplaceLineEndings("⏎") : text[..160].ReplaceLineEndings("⏎") + "…";
}
