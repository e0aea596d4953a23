using System.Globalization;
using static System.FormattableString;

namespace ScTransfer.Bench;

/// <summary>The side-by-side table, the targets of issue 6, and as the last line <c>transfer-ratio=R</c> (relay ÷ raw transfers/s at concurrency 32).</summary>
internal static class Report
{
    public const int RatioConcurrency = 32;

    public static void Write(TextWriter output, BenchOptions options, List<LevelResult[]> results, long relayLogLines)
    {
        output.WriteLine(Invariant(
            $"# {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, Azurite tables on 127.0.0.1:{options.StoragePort}, payload {options.PayloadBytes} B, {options.Rounds} × {options.Slice.TotalSeconds:0} s per side and level"));
        if (options.RelayEnvironment.Length > 0)
        {
            output.WriteLine("# relay started with " + string.Join(' ', options.RelayEnvironment));
        }

        output.WriteLine("# raw steps: create = index upsert + insert, preview = GetEntity, read = GetEntity + conditional merge, delete = conditional delete");
        output.WriteLine();
        output.WriteLine("| side | conc | transfers/s | failed | create p50/p99 ms | preview p50/p99 ms | read p50/p99 ms | delete p50/p99 ms | storage ops/transfer | relay RSS MB | relay alloc/request | relay CPU ms/transfer | Azurite CPU ms/transfer |");
        output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var level in results)
        {
            foreach (var row in level)
            {
                var isRelay = row != level[0];
                output.WriteLine(Invariant(
                    $"| {row.Side} | {row.Concurrency} | {row.TransfersPerSecond:0.0} | {row.Failures} | {Steps(row, 0)} | {Steps(row, 1)} | {Steps(row, 2)} | {Steps(row, 3)} | {PerAttempt(row.StorageRequests, row):0.00} | ")
                    + (isRelay
                        ? Invariant($"{row.RelayPeakResidentBytes / 1048576.0:0} | {Kilobytes(row.RelayAllocatedBytes, row.RelayRequests)} | {PerTransfer(row.RelayCpu.TotalMilliseconds, row):0.00} | ")
                        : "– | – | – | ")
                    + (options.StorageProcessId is null ? "– |" : Invariant($"{PerTransfer(row.StorageCpu.TotalMilliseconds, row):0.00} |")));
            }
        }

        output.WriteLine();
        var ratioLevel = results.FirstOrDefault(r => r[0].Concurrency == RatioConcurrency) ?? results[^1];
        var (rawAt, relayAt) = (ratioLevel[0], ratioLevel[1]);
        foreach (var variant in ratioLevel.Skip(2))
        {
            output.WriteLine(Invariant(
                $"compare {variant.Side} at c={variant.Concurrency}: ratio {variant.TransfersPerSecond / rawAt.TransfersPerSecond:0.00} (relay {relayAt.TransfersPerSecond / rawAt.TransfersPerSecond:0.00}), CPU {PerTransfer(variant.RelayCpu.TotalMilliseconds, variant):0.00} ms/transfer (relay {PerTransfer(relayAt.RelayCpu.TotalMilliseconds, relayAt):0.00}), RSS {variant.RelayPeakResidentBytes / 1048576.0:0} MB (relay {relayAt.RelayPeakResidentBytes / 1048576.0:0})"));
        }

        var methods = string.Join(' ', RelayProbe.Methods.Append("other")
            .Select((method, i) => (method, count: relayAt.StorageRequestsByMethod[i]))
            .Where(m => m.count > 0)
            .Select(m => Invariant($"{m.method} {PerAttempt(m.count, relayAt):0.00}")));
        output.WriteLine(Invariant($"relay storage requests per transfer by method at c={relayAt.Concurrency}: {methods}; relay log lines: {relayLogLines}"));
        output.WriteLine(Invariant($"raw requests that were not point operations: {results.Sum(r => r[0].NonPointRequests)}"));

        var ratio = rawAt.TransfersPerSecond > 0 ? relayAt.TransfersPerSecond / rawAt.TransfersPerSecond : 0;
        output.WriteLine(Invariant($"target transfer-ratio >= 0.85 at c={relayAt.Concurrency}: {ratio:0.00} ({Verdict(ratio >= 0.85)})"));

        var readP99 = relayAt.Percentile(2, 0.99);
        var getP99 = rawAt.Percentile(1, 0.99);
        var readRatios = string.Join(", ", results.Select(r => Invariant($"c={r[1].Concurrency} {r[1].Percentile(2, 0.99) / r[0].Percentile(1, 0.99):0.0}×")));
        output.WriteLine(Invariant(
            $"target ReadSecureContent p99 <= 1.5 × raw GetEntity p99 at c={relayAt.Concurrency}: {readP99:0.0} ms vs {1.5 * getP99:0.0} ms ({Verdict(readP99 <= 1.5 * getP99)}); by level: {readRatios}; vs raw get+merge p99: {readP99 / rawAt.Percentile(2, 0.99):0.00}×"));

        var worstOps = Math.Round(results.Max(r => PerAttempt(r[1].StorageRequests, r[1])), 2);
        output.WriteLine(Invariant($"target <= 7 point operations per transfer: relay {worstOps:0.00} at worst ({Verdict(worstOps <= 7)})"));

        var top = results[^1][1];
        var rss = top.RelayPeakResidentBytes / 1048576.0;
        output.WriteLine(Invariant($"target relay RSS <= 150 MB at c={top.Concurrency}: {rss:0} MB ({Verdict(rss <= 150)})"));
        output.WriteLine(Invariant($"transfer-ratio={ratio:0.00}"));
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
