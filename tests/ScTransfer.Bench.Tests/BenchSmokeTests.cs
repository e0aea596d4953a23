using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using ScTransfer.Testing;

namespace ScTransfer.Bench.Tests;

/// <summary>
/// Runs the benchmark driver with <c>--smoke</c> (one transfer per worker at each concurrency level) on the shared Azurite
/// and checks what the full run promises to print. Throughput and latency are never asserted: the machine decides those.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class BenchSmokeTests
{
    private static readonly int[] Levels = [1, 8, 32, 64];

    private static string BenchDll => Path.Combine(
        Repository.Root, "bench", "ScTransfer.Bench", "bin", Repository.Configuration, "net10.0", "ScTransfer.Bench.dll");

    [Fact]
    public async Task Smoke_run_prints_every_side_at_every_level_then_the_floor_ratio_and_the_transfer_ratio_last()
    {
        var output = await RunSmokeAsync();
        var table = Table(output);

        foreach (var side in new[] { "raw", "floor", "relay" })
        {
            Assert.Equal(Levels, table.Where(row => row["side"] == side).Select(row => int.Parse(row["conc"], CultureInfo.InvariantCulture)));
        }

        Assert.All(table, row => Assert.Equal("0", row["failed"]));
        var lines = output.TrimEnd().Split('\n');
        Assert.Matches(@"^floor-ratio=\d+\.\d\d$", lines[^2].Trim());
        Assert.Matches(@"^transfer-ratio=\d+\.\d\d$", lines[^1].Trim());
    }

    [Fact]
    public async Task Relay_needs_at_most_six_storage_operations_per_transfer_on_the_request_path()
    {
        var table = Table(await RunSmokeAsync());

        // insert; get (preview); get + conditional merge (bind); get + conditional replace to a tombstone (delete).
        // The one deferred operation (the purge removing the tombstone) is counted in
        // ScTransfer.Relay.Tests' StorageOperationTests, where a purge can be run on a fake clock.
        Assert.All(table.Where(row => row["side"] == "relay"), row =>
            Assert.InRange(double.Parse(row["storage ops/transfer"], CultureInfo.InvariantCulture), 1, 6));
        // The floor side is exactly those 6, on the relay's layout; the raw side is its own 6 (index upsert + insert; get;
        // get + merge; delete), as documented in docs/capacity.md.
        Assert.All(table.Where(row => row["side"] is "raw" or "floor"), row =>
            Assert.Equal(6.0, double.Parse(row["storage ops/transfer"], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task Purge_removes_each_transfers_tombstone_with_at_most_one_deferred_operation()
    {
        var output = await RunSmokeAsync();

        // The bench purges the relay's own table with the clock past the tombstones' retention, using the relay's store.
        var relay = Regex.Match(output, @"^purge of the relay's transfers \((\d+) attempted.*: (\d+) tombstoned, (\d+) deleted, (\d+) skipped .*\((\d+) queries, (\d+) writes\)", RegexOptions.Multiline);
        Assert.True(relay.Success, "No purge line for the relay's transfers:\n" + output);
        var attempted = int.Parse(relay.Groups[1].Value, CultureInfo.InvariantCulture);
        var deleted = int.Parse(relay.Groups[3].Value, CultureInfo.InvariantCulture);
        var writes = int.Parse(relay.Groups[6].Value, CultureInfo.InvariantCulture);
        Assert.Equal(Levels.Sum(), attempted); // one transfer per worker and level
        Assert.Equal(attempted, deleted); // every transfer left exactly one tombstone, and the purge removed it
        Assert.Equal("0", relay.Groups[2].Value); // nothing live was left behind
        Assert.InRange(writes, 1, deleted); // <= 1 deferred operation per transfer (batched, so far fewer)
        Assert.Matches(@"^target <= 1 deferred operation per transfer: \d+\.\d\d \(met\)$", Line(output, "target <= 1 deferred"));

        // Mailboxes that expire together among as many live ones: exactly the expired ones go, in a request count that
        // does not grow with the live ones (one query per shard, one transaction per <= 100 due entities of a shard).
        var expired = Regex.Match(output, @"^purge of (\d+) mailboxes expired together among \d+ live ones: (\d+) tombstoned, (\d+) deleted, (\d+) skipped .*storage requests (\d+) \(", RegexOptions.Multiline);
        Assert.True(expired.Success, "No purge line for expired mailboxes:\n" + output);
        var seeded = int.Parse(expired.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal(seeded, int.Parse(expired.Groups[2].Value, CultureInfo.InvariantCulture));
        Assert.Equal("0", expired.Groups[3].Value);
        Assert.InRange(int.Parse(expired.Groups[5].Value, CultureInfo.InvariantCulture), 1, seeded);
    }

    private static string Line(string output, string prefix) =>
        output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"No line starting with '{prefix}':\n{output}");

    private static readonly Lazy<Task<string>> Smoke = new(RunAsync);

    [Fact]
    public async Task Relay_reads_back_at_most_1_1_times_a_64_KiB_payload_per_transfer_and_as_much_as_its_floor()
    {
        var output = await RunSmokeAsync();
        var table = Table(output);
        double KilobytesRead(string side) => table.Where(row => row["side"] == side).Average(row => double.Parse(row["storage KB read/transfer"].TrimEnd('*'), CultureInfo.InvariantCulture));

        // The payload as the Table service sends it is 87.4 KB of base64; the floor selects what the relay selects.
        Assert.InRange(KilobytesRead("relay"), 87.4, 87.4 * 1.1);
        Assert.InRange(KilobytesRead("relay"), KilobytesRead("floor") * 0.95, KilobytesRead("floor") * 1.05);
        Assert.Matches(@"^target storage bytes read per transfer <= 1\.1 x .*: relay \d+ B = 1\.0\d x \(met\); floor \d+ B, raw \d+ B$", Line(output, "target storage bytes read"));
    }

    private static Task<string> RunSmokeAsync() => Smoke.Value;

    private static async Task<string> RunAsync()
    {
        _ = Azurite.Shared;
        Assert.True(File.Exists(BenchDll), $"The benchmark is not built: {BenchDll}.");
        // A 64 KiB payload, the size of the storage-bytes goal (one Table property).
        var start = new ProcessStartInfo("dotnet", [BenchDll, "--smoke", "--payload-bytes", "65536", "--storage-port", Azurite.TablePort.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("The smoke benchmark did not finish within 5 minutes:\n" + await stdout + await stderr);
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"The benchmark exited with {process.ExitCode}:\n{output}\n{await stderr}");
        return output;
    }

    /// <summary>The Markdown table's rows as column name → cell.</summary>
    private static List<Dictionary<string, string>> Table(string output)
    {
        var lines = output.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith('|')).ToList();
        Assert.True(lines.Count > 2, "No table in the output:\n" + output);
        static string[] Cells(string line) => [.. line.Trim('|').Split('|').Select(c => c.Trim())];
        var header = Cells(lines[0]);
        Assert.Contains("transfers/s", header);
        Assert.Contains("relay RSS MB", header);
        Assert.Contains("relay alloc/request", header);
        Assert.Contains(header, h => Regex.IsMatch(h, "^read p50/p99 ms$"));
        return [.. lines.Skip(2).Select(line => header.Zip(Cells(line)).ToDictionary(p => p.First, p => p.Second))];
    }
}
