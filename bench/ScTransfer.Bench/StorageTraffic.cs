using ScTransfer.Testing;
using static System.FormattableString;

namespace ScTransfer.Bench;

/// <summary>What one relay transfer reads back from storage (answer bodies), summed over several transfers.</summary>
internal sealed record StorageTrafficResult(int Transfers, long Requests, long BytesRead)
{
    public double BytesReadPerTransfer => Transfers > 0 ? (double)BytesRead / Transfers : double.NaN;
}

/// <summary>
/// The relay's storage traffic counted on the wire: a relay of its own whose storage is the tests' fault proxy (only
/// counting here) in front of the benchmark's Azurite, a few transfers one after another, and every answer's body that
/// concerns the relay's table added up. Kept apart from the timed slices, where the proxy's hop would slow one side.
/// </summary>
internal static class StorageTraffic
{
    private const int Transfers = 20;

    public static async Task<StorageTrafficResult> MeasureAsync(BenchOptions options, byte[] payload)
    {
        await using var proxy = StorageFaultProxy.Start(options.StoragePort);
        await using var relay = await RelayProcess.StartAsync(options.RelayDll, proxy.ConnectionString, proxy.Port, []);
        using var http = new HttpClient { BaseAddress = relay.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
        var flow = new RelayTransfers(http, payload);
        var before = proxy.Exchanges.Count;
        var steps = new long[Transfer.Steps.Length];
        for (var i = 0; i < Transfers; i++)
        {
            if (!await flow.RunAsync(steps, CancellationToken.None))
            {
                throw new InvalidOperationException(Invariant($"Transfer {i} through the counting proxy failed."));
            }
        }

        var table = relay.Tables[0];
        var exchanges = proxy.Exchanges.Skip(before).Where(e => e.PathAndQuery.Contains(table, StringComparison.Ordinal)).ToList();
        return new StorageTrafficResult(Transfers, exchanges.Count, exchanges.Sum(e => e.ResponseBytes));
    }
}
