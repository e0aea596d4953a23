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

        // the mailbox and its index row in one transaction; get (preview); get + conditional merge (bind); get + one
        // transaction that replaces it with its tombstone and moves its index row (delete).
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
    public async Task Relay_and_its_floor_send_nine_entity_operations_per_transfer_on_the_request_path()
    {
        var output = await RunSmokeAsync();
        var table = Table(output);
        double EntityOperations(Dictionary<string, string> row) =>
            double.Parse(row["storage entity ops/transfer"].TrimEnd('*'), CultureInfo.InvariantCulture);

        // create: the mailbox and its index row in one transaction (2); preview 1; read 1; bind 1; delete: its read 1, then
        // one transaction that replaces the mailbox with its tombstone, deletes the index row and adds the moved one (3).
        // The relay's figure is counted on the wire through a proxy, the floor's and raw's on their clients' pipelines.
        Assert.All(table.Where(row => row["side"] is "relay" or "floor"), row => Assert.Equal(9.0, EntityOperations(row)));
        Assert.All(table.Where(row => row["side"] == "raw"), row => Assert.Equal(6.0, EntityOperations(row)));
        Assert.Matches(@"\(6\.00 requests, 9\.00 entity operations per transfer\)$", Line(output, "* relay storage entity operations"));

        // Deferred: the purge removes the tombstone and its index row, batched with others of its shard.
        Assert.Matches(@"; deferred entity operations per transfer: 2\.00 ", Line(output, "target <= 1 deferred"));
    }

    [Fact]
    public async Task Purge_reads_what_is_due_by_key_range_and_the_same_whatever_is_stored()
    {
        var output = await RunSmokeAsync();
        var runs = Tables(output)[1];

        // The same due mailboxes among no stored not-due ones and among 2,000 (the smoke size): per run, the entities Table
        // storage must read by Azure's rules (computed from the queries the purge sent) are identical, and exactly what is
        // due; the old filter on PurgeAt would have read every stored mailbox.
        var sizes = runs.GroupBy(row => int.Parse(row["stored not-due mailboxes"], CultureInfo.InvariantCulture)).ToList();
        Assert.Equal([0, 2000], sizes.Select(size => size.Key));
        var due = int.Parse(runs.Single(row => row["stored not-due mailboxes"] == "0" && row["purge run"] == "expired to tombstones")["tombstoned"], CultureInfo.InvariantCulture);
        Assert.Equal(300, due); // --purge-mailboxes in a smoke run
        foreach (var size in sizes)
        {
            Assert.Equal(["nothing due", "expired to tombstones", "tombstones removed"], size.Select(row => row["purge run"]));
            Assert.Equal(["0", due.ToString(CultureInfo.InvariantCulture), due.ToString(CultureInfo.InvariantCulture)], size.Select(row => row["entities read (Azure's rules)"]));
            Assert.Equal(["0", due.ToString(CultureInfo.InvariantCulture), "0"], size.Select(row => row["tombstoned"]));
            Assert.Equal(["0", "0", due.ToString(CultureInfo.InvariantCulture)], size.Select(row => row["deleted"]));
            Assert.All(size, row => Assert.Equal((size.Key + due).ToString(CultureInfo.InvariantCulture), row["old filter would read"]));
            // One run, one range query per shard (under 1,000 due per shard: one page).
            Assert.All(size, row => Assert.Equal("1", row["runs"]));
            Assert.All(size, row => Assert.Equal("64", row["queries"]));
        }

        Assert.Matches(@"^target purge entities read \(Azure's rules\) the same at every store size, .*\(met\)$", Line(output, "target purge entities read"));

        // Every query the purge sent named only the keys: PartitionKey and a RowKey range.
        Assert.Matches(@"^purge query properties: PartitionKey, RowKey \(\d+ queries; filters: PartitionKey eq '…' and RowKey ge '…' and RowKey lt '…'\)$", Line(output, "purge query properties"));
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
        Assert.Matches(@"^target <= 1 deferred operation per transfer: \d+\.\d\d \(met\);", Line(output, "target <= 1 deferred"));

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

    /// <summary>The side-by-side table (the first Markdown table) as column name → cell.</summary>
    private static List<Dictionary<string, string>> Table(string output)
    {
        var table = Tables(output)[0];
        var header = table[0].Keys;
        Assert.Contains("transfers/s", header);
        Assert.Contains("storage entity ops/transfer", header);
        Assert.Contains("relay RSS MB", header);
        Assert.Contains("relay alloc/request", header);
        Assert.Contains(header, h => Regex.IsMatch(h, "^read p50/p99 ms$"));
        return table;
    }

    /// <summary>Every Markdown table in the output (runs of lines starting with '|'), each as rows of column name → cell.</summary>
    private static List<List<Dictionary<string, string>>> Tables(string output)
    {
        static string[] Cells(string line) => [.. line.Trim('|').Split('|').Select(c => c.Trim())];
        var tables = new List<List<Dictionary<string, string>>>();
        var block = new List<string>();
        foreach (var line in output.Split('\n').Select(l => l.Trim()).Append(""))
        {
            if (line.StartsWith('|'))
            {
                block.Add(line);
                continue;
            }

            if (block.Count > 2)
            {
                var header = Cells(block[0]);
                tables.Add([.. block.Skip(2).Select(row => header.Zip(Cells(row)).ToDictionary(p => p.First, p => p.Second))]);
            }

            block.Clear();
        }

        Assert.True(tables.Count >= 2, "Expected the side-by-side table and the purge's table in the output:\n" + output);
        return tables;
    }
}
