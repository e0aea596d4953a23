using System.Diagnostics;

namespace ScTransfer.Bench;

/// <summary>What one side achieved at one concurrency level, summed over its measured slices.</summary>
internal sealed class LevelResult(string side, int concurrency)
{
    public string Side { get; } = side;

    public int Concurrency { get; } = concurrency;

    public long Transfers { get; set; }

    public long Failures { get; set; }

    public TimeSpan Elapsed { get; set; }

    public List<double>[] StepMilliseconds { get; } = [.. Transfer.Steps.Select(_ => new List<double>())];

    public long StorageRequests { get; set; }

    /// <summary>Raw and floor only: entity operations those requests carried (one per operation inside a transaction).</summary>
    public long StorageEntityOperations { get; set; }

    /// <summary>Bytes storage sent back (answer bodies) during this side's slices.</summary>
    public long StorageBytesRead { get; set; }

    /// <summary>Relay only: storage requests by method (as <see cref="RelayProbe.Methods"/>, then other).</summary>
    public long[] StorageRequestsByMethod { get; } = new long[RelayProbe.Methods.Length + 1];

    /// <summary>Raw only: requests that were not point operations.</summary>
    public long NonPointRequests { get; set; }

    public long RelayRequests { get; set; }

    public long RelayAllocatedBytes { get; set; }

    public long RelayPeakResidentBytes { get; set; }

    public TimeSpan RelayCpu { get; set; }

    /// <summary>CPU the Table service process (Azurite) used during this side's slices, when its process id is known.</summary>
    public TimeSpan StorageCpu { get; set; }

    /// <summary>Transfers attempted, completed or not: the denominator for operations, which failed ones also made.</summary>
    public long Attempts => Transfers + Failures;

    public double TransfersPerSecond => Elapsed > TimeSpan.Zero ? Transfers / Elapsed.TotalSeconds : 0;

    public double Percentile(int step, double p)
    {
        var values = StepMilliseconds[step];
        if (values.Count == 0)
        {
            return double.NaN;
        }

        values.Sort();
        return values[Math.Clamp((int)Math.Ceiling(p * values.Count) - 1, 0, values.Count - 1)];
    }
}

/// <summary>A closed loop: <c>concurrency</c> workers each run transfers back to back until the time or the budget is spent.</summary>
internal static class Load
{
    public static async Task RunAsync(ITransferFlow flow, int concurrency, TimeSpan duration, int? maxTransfers, LevelResult? into)
    {
        var budget = maxTransfers ?? int.MaxValue;
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            var ticks = new long[Transfer.Steps.Length];
            var samples = Transfer.Steps.Select(_ => new List<double>()).ToArray();
            long transfers = 0, failures = 0;
            while (Stopwatch.GetTimestamp() < deadline && Interlocked.Decrement(ref budget) >= 0)
            {
                if (await flow.RunAsync(ticks, CancellationToken.None))
                {
                    transfers++;
                    for (var step = 0; step < ticks.Length; step++)
                    {
                        samples[step].Add(ticks[step] * 1000.0 / Stopwatch.Frequency);
                    }
                }
                else
                {
                    failures++;
                }
            }

            return (transfers, failures, samples);
        })).ToArray();

        var results = await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started);
        if (into is null)
        {
            return; // warm-up
        }

        into.Elapsed += elapsed;
        foreach (var (transfers, failures, samples) in results)
        {
            into.Transfers += transfers;
            into.Failures += failures;
            for (var step = 0; step < samples.Length; step++)
            {
                into.StepMilliseconds[step].AddRange(samples[step]);
            }
        }
    }
}
