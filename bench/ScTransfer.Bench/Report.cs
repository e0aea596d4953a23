using System.Globalization;
using static System.FormattableString;

namespace ScTransfer.Bench;

/// <summary>
/// The side-by-side table, the purge, the targets (docs/capacity.md), then <c>floor-ratio=R</c> (relay ÷ floor
/// transfers/s at concurrency 32) and as the last line <c>transfer-ratio=R</c> (relay ÷ raw transfers/s there).
/// </summary>
internal sealed record PurgeResults(long RelayTransfers, PurgeMeasurement RelayTombstones, int Seeded, PurgeMeasurement Expired, PurgeMeasurement ExpiredTombstones);

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
        output.WriteLine("# floor steps (the relay's layout): create = insert, preview = GetEntity of the display properties, read = GetEntity + conditional merge, delete = GetEntity of the access properties + conditional replace with a tombstone");
        output.WriteLine();
        output.WriteLine("| side | conc | transfers/s | failed | create p50/p99 ms | preview p50/p99 ms | read p50/p99 ms | delete p50/p99 ms | storage ops/transfer | storage KB read/transfer | relay RSS MB | relay alloc/request | relay CPU ms/transfer | Azurite CPU ms/transfer |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var level in results)
        {
            foreach (var row in level)
            {
                var isRelay = row.Side.StartsWith("relay", StringComparison.Ordinal);
                output.WriteLine(Invariant(
                    $"| {row.Side} | {row.Concurrency} | {row.TransfersPerSecond:0.0} | {row.Failures} | {Steps(row, 0)} | {Steps(row, 1)} | {Steps(row, 2)} | {Steps(row, 3)} | {PerAttempt(row.StorageRequests, row):0.00} | {(isRelay ? Invariant($"{traffic.BytesReadPerTransfer / 1000.0:0.0}*") : Invariant($"{PerAttempt(row.StorageBytesRead / 1000.0, row):0.0}"))} | ")
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
            $"* relay storage bytes read: {traffic.Transfers} transfers through a counting proxy, apart from the timed slices ({traffic.Requests / (double)traffic.Transfers:0.00} requests per transfer)"));
        var goal = options.PayloadBytes >= 64 * 1024
            ? Verdict(readBack <= 1.1 * onTheWire)
            : "the goal is for a 64 KiB payload, where the payload dominates: run with --payload-bytes 65536";
        output.WriteLine(Invariant(
            $"target storage bytes read per transfer <= 1.1 x the payload as the Table service sends it ({onTheWire} B): relay {readBack:0} B = {readBack / onTheWire:0.00} x ({goal}); floor {PerAttempt(floorAt.StorageBytesRead, floorAt):0} B, raw {PerAttempt(rawAt.StorageBytesRead, rawAt):0} B"));

        var worstOps = Math.Round(results.Max(r => PerAttempt(r[2].StorageRequests, r[2])), 2);
        output.WriteLine(Invariant($"target <= 6 point operations per transfer on the request path: relay {worstOps:0.00} at worst ({Verdict(worstOps <= 6)})"));
        var deferred = DeferredWritesPerTransfer(purge);
        output.WriteLine(Invariant($"target <= 1 deferred operation per transfer: {deferred:0.00} ({Verdict(deferred <= 1)})"));
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

    private static double PerSecond(PurgeMeasurement m) => m.Elapsed > TimeSpan.Zero ? m.Purged / m.Elapsed.TotalSeconds : 0;

    private static void WritePurge(TextWriter output, PurgeResults purge)
    {
        static string Line(PurgeMeasurement m) => Invariant(
            $"{m.Tombstoned} tombstoned, {m.Deleted} deleted, {m.Skipped} skipped in {m.Runs} run(s), {m.Elapsed.TotalSeconds:0.00} s ({PerSecond(m):0}/s); storage requests {m.Requests} ({m.Queries} queries, {m.Writes} writes) = {(m.Purged > 0 ? (double)m.Requests / m.Purged : double.NaN):0.000} per purged entity");
        output.WriteLine(Invariant($"purge of the relay's transfers ({purge.RelayTransfers} attempted, clock past the tombstones' retention): ") + Line(purge.RelayTombstones)
            + Invariant($"; deferred writes per transfer {DeferredWritesPerTransfer(purge):0.000}"));
        output.WriteLine(Invariant($"purge of {purge.Seeded} mailboxes expired together among {purge.Seeded} live ones: ") + Line(purge.Expired));
        output.WriteLine(Invariant($"purge of those {purge.Seeded} tombstones after their retention: ") + Line(purge.ExpiredTombstones));
    }

    private static string Steps(LevelResult row, int step) =>
        Invariant($"{row.Percentile(step, 0.50):0.0}/{row.Percentile(step, 0.99):0.0}");

    private static double PerTransfer(double total, LevelResult row) => row.Transfers > 0 ? total / row.Transfers : double.NaN;

    /// <summary>Storage operations per transfer attempted: a failed transfer made operations too (retries included).</summary>
    private static double PerAttempt(double total, LevelResult row) => row.Attempts > 0 ? total / row.Attempts : double.NaN;

    private static string Kilobytes(long bytes, long requests) =>
        requests > 0 ? (bytes / 1024.0 / requests).ToString("0.0", CultureInfo.InvariantCulture) + " KB" : "–";

    private static string Verdict(bool met) => met ? "met" : "missed";
}
