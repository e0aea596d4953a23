using ScTransfer.Testing;
using static System.FormattableString;

namespace ScTransfer.Bench;

/// <summary>What relay transfers cost in storage on the wire, summed over several: round trips, entity operations, bytes read back.</summary>
internal sealed record StorageTrafficResult(int Transfers, long Requests, long EntityOperations, long BytesRead)
{
    public double RequestsPerTransfer => Transfers > 0 ? (double)Requests / Transfers : double.NaN;

    public double EntityOperationsPerTransfer => Transfers > 0 ? (double)EntityOperations / Transfers : double.NaN;

    public double BytesReadPerTransfer => Transfers > 0 ? (double)BytesRead / Transfers : double.NaN;
}

/// <summary>
/// The relay's storage traffic counted on the wire: a relay of its own whose storage is the tests' fault proxy (only
/// counting here) in front of the benchmark's Azurite, a few transfers one after another, and every request that concerns
/// the relay's table (its entity-group transactions go to the account's <c>$batch</c>) counted: round trips, the entity
/// operations in them, and the answers' bodies. Kept apart from the timed slices, where the proxy's hop would slow one side.
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
        var exchanges = proxy.Exchanges.Skip(before)
            .Where(e => e.PathAndQuery.Contains(table, StringComparison.Ordinal) || TableTransactionBody.IsTransaction(e.PathAndQuery)).ToList();
        return new StorageTrafficResult(Transfers, exchanges.Count, exchanges.Sum(e => e.EntityOperations), exchanges.Sum(e => e.ResponseBytes));
    }
}
