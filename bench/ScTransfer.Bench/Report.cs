using System.Globalization;
using static System.FormattableString;

namespace ScTransfer.Bench;

/// <summary>
/// The side-by-side table, the purge, the targets (docs/capacity.md), then <c>floor-ratio=R</c> (relay ÷ floor
/// transfers/s at concurrency 32) and as the last line <c>transfer-ratio=R</c> (relay ÷ raw transfers/s there).
/// </summary>
internal sealed record PurgeResults(
    long RelayTransfers, PurgeMeasurement RelayTombstones, int Seeded, PurgeMeasurement Expired, PurgeMeasurement ExpiredTombstones,
    IReadOnlyList<StoreSizeResult> StoreSizes, (long Tombstone, long IndexRow) RetiredIdentifierBytes);

internal static class Report
{
    public const int RatioConcurrency = 32;

    public static void Write(TextWriter output, BenchOptions options, List<LevelResult[]> results, long relayLogLines, StorageTrafficResult traffic, PurgeResults purge)
    {
        output.WriteLine(Invariant(
            $"# {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, Azurite tables on 127.0.0.1:{options.StoragePort}, payload {options.PayloadBytes} B, {options.Rounds} × {options.Slice.TotalSeconds:0} s per side and level"));
        if (options.RelayEnvironment.Length > 0)
        {
            output.WriteLine("# relay started with " + string.Join(' ', options.RelayEnvironment));
        }

        output.WriteLine("# raw steps: create = index upsert + insert, preview = GetEntity, read = GetEntity + conditional merge, delete = conditional delete");
        output.WriteLine("# floor steps (the relay's layout and entity mappings): create = transaction of the mailbox and its index row, preview = GetEntity of the display properties, read = GetEntity + conditional merge of the receiver's part, delete = GetEntity of the access properties + transaction replacing the mailbox with its tombstone (If-Match) and moving its index row");
        output.WriteLine("# storage ops = round trips (requests); entity ops = entity operations in them (one per point request, one per operation inside a transaction)");
        output.WriteLine();
        output.WriteLine("| side | conc | transfers/s | failed | create p50/p99 ms | preview p50/p99 ms | read p50/p99 ms | delete p50/p99 ms | storage ops/transfer | storage entity ops/transfer | storage KB read/transfer | relay RSS MB | relay alloc/request | relay CPU ms/transfer | Azurite CPU ms/transfer |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var level in results)
        {
            foreach (var row in level)
            {
                var isRelay = row.Side.StartsWith("relay", StringComparison.Ordinal);
                output.WriteLine(Invariant(
                    $"| {row.Side} | {row.Concurrency} | {row.TransfersPerSecond:0.0} | {row.Failures} | {Steps(row, 0)} | {Steps(row, 1)} | {Steps(row, 2)} | {Steps(row, 3)} | {PerAttempt(row.StorageRequests, row):0.00} | {(isRelay ? Invariant($"{traffic.EntityOperationsPerTransfer:0.00}*") : Invariant($"{PerAttempt(row.StorageEntityOperations, row):0.00}"))} | {(isRelay ? Invariant($"{traffic.BytesReadPerTransfer / 1000.0:0.0}*") : Invariant($"{PerAttempt(row.StorageBytesRead / 1000.0, row):0.0}"))} | ")
                    + (isRelay
                        ? Invariant($"{row.RelayPeakResidentBytes / 1048576.0:0} | {Kilobytes(row.RelayAllocatedBytes, row.RelayRequests)} | {PerTransfer(row.RelayCpu.TotalMilliseconds, row):0.00} | ")
                        : "– | – | – | ")
                    + (options.StorageProcessId is null ? "– |" : Invariant($"{PerTransfer(row.StorageCpu.TotalMilliseconds, row):0.00} |")));
            }
        }

        output.WriteLine();
        var ratioLevel = results.FirstOrDefault(r => r[0].Concurrency == RatioConcurrency) ?? results[^1];
        var (rawAt, floorAt, relayAt) = (ratioLevel[0], ratioLevel[1], ratioLevel[2]);
        foreach (var variant in ratioLevel.Skip(3))
        {
            output.WriteLine(Invariant(
                $"compare {variant.Side} at c={variant.Concurrency}: ratio {variant.TransfersPerSecond / rawAt.TransfersPerSecond:0.00} (relay {relayAt.TransfersPerSecond / rawAt.TransfersPerSecond:0.00}), CPU {PerTransfer(variant.RelayCpu.TotalMilliseconds, variant):0.00} ms/transfer (relay {PerTransfer(relayAt.RelayCpu.TotalMilliseconds, relayAt):0.00}), RSS {variant.RelayPeakResidentBytes / 1048576.0:0} MB (relay {relayAt.RelayPeakResidentBytes / 1048576.0:0})"));
        }

        var methods = string.Join(' ', RelayProbe.Methods.Append("other")
            .Select((method, i) => (method, count: relayAt.StorageRequestsByMethod[i]))
            .Where(m => m.count > 0)
            .Select(m => Invariant($"{m.method} {PerAttempt(m.count, relayAt):0.00}")));
        output.WriteLine(Invariant($"relay storage requests per transfer by method at c={relayAt.Concurrency}: {methods}; relay log lines: {relayLogLines}"));
        output.WriteLine(Invariant($"raw and floor requests that were not point operations: {results.Sum(r => r[0].NonPointRequests + r[1].NonPointRequests)}"));
        WritePurge(output, purge);

        var ratio = rawAt.TransfersPerSecond > 0 ? relayAt.TransfersPerSecond / rawAt.TransfersPerSecond : 0;
        output.WriteLine(Invariant($"target transfer-ratio >= 0.85 at c={relayAt.Concurrency}: {ratio:0.00} ({Verdict(ratio >= 0.85)})"));

        var readP99 = relayAt.Percentile(2, 0.99);
        var getP99 = rawAt.Percentile(1, 0.99);
        var readRatios = string.Join(", ", results.Select(r => Invariant($"c={r[2].Concurrency} {r[2].Percentile(2, 0.99) / r[0].Percentile(1, 0.99):0.0}×")));
        output.WriteLine(Invariant(
            $"target ReadSecureContent p99 <= 1.5 × raw GetEntity p99 at c={relayAt.Concurrency}: {readP99:0.0} ms vs {1.5 * getP99:0.0} ms ({Verdict(readP99 <= 1.5 * getP99)}); by level: {readRatios}; vs raw get+merge p99: {readP99 / rawAt.Percentile(2, 0.99):0.00}×"));

        var onTheWire = (options.PayloadBytes + 2) / 3 * 4; // an Edm.Binary property is base64 text in the entity's JSON
        var readBack = traffic.BytesReadPerTransfer;
        output.WriteLine(Invariant(
            $"* relay storage entity operations and bytes read: {traffic.Transfers} transfers through a counting proxy, apart from the timed slices ({traffic.RequestsPerTransfer:0.00} requests, {traffic.EntityOperationsPerTransfer:0.00} entity operations per transfer)"));
        var goal = options.PayloadBytes >= 64 * 1024
            ? Verdict(readBack <= 1.1 * onTheWire)
            : "the goal is for a 64 KiB payload, where the payload dominates: run with --payload-bytes 65536";
        output.WriteLine(Invariant(
            $"target storage bytes read per transfer <= 1.1 x the payload as the Table service sends it ({onTheWire} B): relay {readBack:0} B = {readBack / onTheWire:0.00} x ({goal}); floor {PerAttempt(floorAt.StorageBytesRead, floorAt):0} B, raw {PerAttempt(rawAt.StorageBytesRead, rawAt):0} B"));

        var worstOps = Math.Round(results.Max(r => PerAttempt(r[2].StorageRequests, r[2])), 2);
        output.WriteLine(Invariant($"target <= 6 point operations per transfer on the request path: relay {worstOps:0.00} at worst ({Verdict(worstOps <= 6)})"));
        output.WriteLine(Invariant(
            $"entity operations per transfer on the request path (create 2, preview 1, read 1, bind 1, delete's read 1, delete's transaction 3 = 9): relay {traffic.EntityOperationsPerTransfer:0.00}*, floor {PerAttempt(floorAt.StorageEntityOperations, floorAt):0.00}, raw {PerAttempt(rawAt.StorageEntityOperations, rawAt):0.00} at c={relayAt.Concurrency}"));
        var deferred = DeferredWritesPerTransfer(purge);
        output.WriteLine(Invariant($"target <= 1 deferred operation per transfer: {deferred:0.00} ({Verdict(deferred <= 1)}); deferred entity operations per transfer: {DeferredEntityOperationsPerTransfer(purge):0.00} (the tombstone and its index row)"));
        var rate = PerSecond(purge.Expired);
        output.WriteLine(Invariant($"target purge >= 1000 expired mailboxes per second of purge time: {rate:0} ({Verdict(rate >= 1000)})"));

        var top = results[^1][2];
        var rss = top.RelayPeakResidentBytes / 1048576.0;
        output.WriteLine(Invariant($"target relay RSS <= 150 MB at c={top.Concurrency}: {rss:0} MB ({Verdict(rss <= 150)})"));
        var floorRatio = floorAt.TransfersPerSecond > 0 ? relayAt.TransfersPerSecond / floorAt.TransfersPerSecond : 0;
        output.WriteLine(Invariant($"target floor-ratio >= 0.85 at c={relayAt.Concurrency}: {floorRatio:0.00} ({Verdict(floorRatio >= 0.85)})"));
        output.WriteLine(Invariant($"floor-ratio={floorRatio:0.00}"));
        output.WriteLine(Invariant($"transfer-ratio={ratio:0.00}"));
    }

    /// <summary>
    /// The deferred cost of a transfer: the purge's writes (entity-group transactions, and single writes when a batch
    /// had to be split) per tombstone it removed. Its queries are per shard and run, not per transfer: shown apart.
    /// </summary>
    private static double DeferredWritesPerTransfer(PurgeResults purge) =>
        purge.RelayTombstones.Deleted > 0 ? (double)purge.RelayTombstones.Writes / purge.RelayTombstones.Deleted : double.NaN;

    private static double DeferredEntityOperationsPerTransfer(PurgeResults purge) =>
        purge.RelayTombstones.Deleted > 0 ? (double)purge.RelayTombstones.WrittenEntityOperations / purge.RelayTombstones.Deleted : double.NaN;

    private static double PerSecond(PurgeMeasurement m) => m.Elapsed > TimeSpan.Zero ? m.Purged / m.Elapsed.TotalSeconds : 0;

    private static void WritePurge(TextWriter output, PurgeResults purge)
    {
        static string Line(PurgeMeasurement m) => Invariant(
            $"{m.Tombstoned} tombstoned, {m.Deleted} deleted, {m.Skipped} skipped in {m.Runs} run(s), {m.Elapsed.TotalSeconds:0.00} s ({PerSecond(m):0}/s); storage requests {m.Requests} ({m.Queries} queries, {m.Writes} writes) = {(m.Purged > 0 ? (double)m.Requests / m.Purged : double.NaN):0.000} per purged entity");
        output.WriteLine(Invariant($"purge of the relay's transfers ({purge.RelayTransfers} attempted, clock past the tombstones' retention): ") + Line(purge.RelayTombstones)
            + Invariant($"; deferred writes per transfer {DeferredWritesPerTransfer(purge):0.000}"));
        output.WriteLine(Invariant($"purge of {purge.Seeded} mailboxes expired together among {purge.Seeded} live ones: ") + Line(purge.Expired));
        output.WriteLine(Invariant($"purge of those {purge.Seeded} tombstones after their retention: ") + Line(purge.ExpiredTombstones));
        WriteStoreSizes(output, purge);
    }

    /// <summary>
    /// The purge's cost against what is stored: one row per store size and run, then the properties its queries named,
    /// the entities-read goal, and the size at rest of what a retired identifier keeps.
    /// </summary>
    private static void WriteStoreSizes(TextWriter output, PurgeResults purge)
    {
        var sizes = purge.StoreSizes;
        var largest = sizes[^1];
        output.WriteLine();
        output.WriteLine(Invariant(
            $"purge against store size: the same {largest.Due} due mailboxes (made through MailboxStore.TryAddAsync) among 0 and {largest.Stored} stored not-due ones; those seeded with the relay's own entity mappings (MailboxEntity.Whole + DueIndex.Row), {PurgeBench.SeedMailboxesPerTransaction} mailboxes and their index rows per entity-group transaction per shard (TryAddAsync, one transaction each, is too slow for a large store on Azurite): {largest.Stored} in {largest.Seeding.TotalSeconds:0.0} s ({PerSecondOf(largest.Stored, largest.Seeding):0} mailboxes/s)"));
        output.WriteLine("entities read = what Table storage must read for the run's queries under Azure's documented rules (a PartitionKey + RowKey range reads what it returns; a filter on any other property reads its whole partition), from the queries the purge sent and the partition sizes seeding left; old filter = `PartitionKey eq 'sNN' and PurgeAt le now` on the layout before the index (one entity per mailbox), which reads every partition whole; each run given as long as Azurite takes (the relay's 40 s budget, cut short by Azurite's scans, would re-read unfinished pages in a later run)");
        output.WriteLine();
        output.WriteLine("| stored not-due mailboxes | purge run | runs | tombstoned | deleted | queries | transactions | entity ops written | entities read (Azure's rules) | old filter would read | Azurite's time ms |");
        output.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var size in sizes)
        {
            foreach (var run in size.Runs)
            {
                var m = run.Measurement;
                output.WriteLine(Invariant(
                    $"| {size.Stored} | {run.Run} | {m.Runs} | {m.Tombstoned} | {m.Deleted} | {m.Queries} | {m.Writes} | {m.WrittenEntityOperations} | {run.EntitiesRead} | {run.OldFilterRead} | {m.Elapsed.TotalMilliseconds:0} |"));
            }
        }

        output.WriteLine();
        var queries = sizes.SelectMany(s => s.Runs).SelectMany(r => r.Measurement.Sent).Where(r => r.IsQuery).ToList();
        var properties = queries.SelectMany(q => AzureTableRules.Properties(q.Filter ?? "")).Distinct().Order(StringComparer.Ordinal);
        var shapes = queries.Select(q => AzureTableRules.Shape(q.Filter ?? "(none)")).Distinct();
        output.WriteLine(Invariant($"purge query properties: {string.Join(", ", properties)} ({queries.Count} queries; filters: {string.Join(" | ", shapes)})"));
        var bySize = sizes.Select(s => Invariant($"{s.Stored}: {string.Join('/', s.Runs.Select(r => r.EntitiesRead))}")).ToList();
        var same = sizes.Select(s => string.Join('/', s.Runs.Select(r => r.EntitiesRead))).Distinct().Count() == 1;
        output.WriteLine(Invariant(
            $"target purge entities read (Azure's rules) the same at every store size, per run ({string.Join('/', largest.Runs.Select(r => r.Run))}): {string.Join("; ", bySize)} ({Verdict(same)})"));
        output.WriteLine("Azurite's times are Azurite's: it answers every query by testing every entity of the table (its LokiJS store runs the filter over the whole collection), so they grow with the store whatever the filter. Azure serves a PartitionKey + RowKey range from the partition's key order: its cost follows the entities read.");
        var (tombstone, indexRow) = purge.RetiredIdentifierBytes;
        output.WriteLine(Invariant(
            $"a retired identifier at rest (Azure's entity-size formula, the relay's own mappings): tombstone {tombstone} B + index row {indexRow} B = {tombstone + indexRow} B, kept Purge:TombstoneRetention after its expiry"));
    }

    private static double PerSecondOf(long count, TimeSpan elapsed) => elapsed > TimeSpan.Zero ? count / elapsed.TotalSeconds : 0;

    private static string Steps(LevelResult row, int step) =>
        Invariant($"{row.Percentile(step, 0.50):0.0}/{row.Percentile(step, 0.99):0.0}");

    private static double PerTransfer(double total, LevelResult row) => row.Transfers > 0 ? total / row.Transfers : double.NaN;

    /// <summary>Storage operations per transfer attempted: a failed transfer made operations too (retries included).</summary>
    private static double PerAttempt(double total, LevelResult row) => row.Attempts > 0 ? total / row.Attempts : double.NaN;

    private static string Kilobytes(long bytes, long requests) =>
        requests > 0 ? (bytes / 1024.0 / requests).ToString("0.0", CultureInfo.InvariantCulture) + " KB" : "–";

    private static string Verdict(bool met) => met ? "met" : "missed";
}
