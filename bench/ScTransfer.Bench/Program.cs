using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using Azure.Core;
using Azure.Data.Tables;
using ScTransfer.Bench;
using ScTransfer.Testing;
using static System.FormattableString;

// Azurite's account facts and the entity-operation count are compiled from tests/ScTransfer.Testing (one place for
// them), where the types are public.
[assembly: System.Diagnostics.CodeAnalysis.SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Testing.Azurite", Justification = "Shared source file")]
[assembly: System.Diagnostics.CodeAnalysis.SuppressMessage("Maintainability", "CA1515", Scope = "type", Target = "~T:ScTransfer.Testing.TableTransactionBody", Justification = "Shared source file")]

// scripts/bench.sh runs this with the defaults; tests/ScTransfer.Bench.Tests runs it with --smoke.
var options = BenchOptions.Parse(args);
return await Benchmark.RunAsync(options, Console.Out);

namespace ScTransfer.Bench
{
    internal sealed record BenchOptions(
        int[] Levels, TimeSpan Slice, int Rounds, TimeSpan WarmUp, int? TransfersPerSlice, int StoragePort, int? StorageProcessId, TimeSpan StorageNetworkTimeout, int PayloadBytes, int PurgeMailboxes, int PurgeStore, string RelayDll, string[] RelayEnvironment, (string Name, string[] Environment)[] Compare)
    {
        public string StorageConnectionString => StoragePort == Azurite.TablePort
            ? Azurite.ConnectionString
            : Azurite.ConnectionStringFor(StoragePort);

        /// <summary>The relay as configured (the one transfer-ratio is about), then each --compare variant on top of its settings.</summary>
        public IEnumerable<(string Name, string[] Environment)> Variants =>
            Compare.Select(c => (c.Name, RelayEnvironment.Concat(c.Environment).ToArray())).Prepend(("relay", RelayEnvironment));

        public static BenchOptions Parse(string[] args)
        {
            var smoke = args.Contains("--smoke");
            string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
            int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

            var levels = (Value("--levels") ?? "1,8,32,64").Split(',').Select(l => int.Parse(l, CultureInfo.InvariantCulture)).ToArray();
            return new BenchOptions(
                levels,
                Slice: TimeSpan.FromSeconds(smoke ? 60 : Int("--seconds", 4)),
                Rounds: smoke ? 1 : Int("--rounds", 4),
                WarmUp: smoke ? TimeSpan.Zero : TimeSpan.FromSeconds(Int("--warmup", 1)),
                TransfersPerSlice: smoke ? -1 : null, // -1: one transfer per worker
                StoragePort: Int("--storage-port", 10002),
                StorageProcessId: Value("--storage-pid") is { } pid ? int.Parse(pid, CultureInfo.InvariantCulture) : null,
                // The relay's default; the smoke run counts operations, not time, so a slow shared machine must not
                // turn into timeouts and retries there.
                StorageNetworkTimeout: TimeSpan.FromSeconds(smoke ? 30 : 3),
                PayloadBytes: Int("--payload-bytes", 1024),
                PurgeMailboxes: Int("--purge-mailboxes", smoke ? 300 : 5000),
                // Stored not-due mailboxes for the purge's cost against store size (and against none): 500,000 take about
                // half an hour to seed on Azurite on a 2-core machine (docs/capacity.md), so the default run stays smaller.
                PurgeStore: Int("--purge-store", smoke ? 2000 : 20_000),
                RelayDll: Value("--relay") ?? DefaultRelayDll(),
                RelayEnvironment: [.. Values("--relay-env")],
                Compare: [.. Values("--compare").Select(v => v.Split(':', 2) is [var name, var settings]
                    ? ("relay:" + name, settings.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    : throw new ArgumentException($"--compare wants NAME:SETTING=value,SETTING=value, not '{v}'."))]);

            IEnumerable<string> Values(string name) =>
                args.Select((arg, i) => (arg, i)).Where(a => a.arg == name && a.i + 1 < args.Length).Select(a => args[a.i + 1]);
        }

        private static string DefaultRelayDll()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "ScTransfer.Functions.sln")))
                {
                    var configuration = AppContext.BaseDirectory.Contains("/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
                    return Path.Combine(dir.FullName, "src", "ScTransfer.SelfHost", "bin", configuration, "net10.0", "ScTransfer.SelfHost.dll");
                }
            }

            throw new InvalidOperationException("Pass --relay path/to/ScTransfer.SelfHost.dll (the repository root was not found).");
        }
    }

    internal sealed record RelayUnderTest(string Name, RelayProcess Process, HttpClient Http, RelayTransfers Flow);

    internal static class Benchmark
    {
        public static async Task<int> RunAsync(BenchOptions options, TextWriter output)
        {
            var payload = RandomNumberGenerator.GetBytes(options.PayloadBytes);

            // Both sides use Azure.Core's default HTTP/1.1 keep-alive transport and the relay's retry settings
            // (RelayServiceCollectionExtensions), so the only difference is the relay itself.
            var counter = new StorageRequestCounter();
            var tableOptions = new TableClientOptions();
            tableOptions.Retry.MaxRetries = 2;
            tableOptions.Retry.Mode = RetryMode.Exponential;
            tableOptions.Retry.Delay = TimeSpan.FromMilliseconds(100);
            tableOptions.Retry.MaxDelay = TimeSpan.FromSeconds(1);
            tableOptions.Retry.NetworkTimeout = options.StorageNetworkTimeout;
            tableOptions.Diagnostics.IsLoggingContentEnabled = false;
            tableOptions.AddPolicy(counter, HttpPipelinePosition.PerRetry);
            var service = new TableServiceClient(options.StorageConnectionString, tableOptions);
            var suffix = Guid.NewGuid().ToString("N")[..10];
            var rawTables = new[] { "benchrawmbx" + suffix, "benchrawexp" + suffix };
            foreach (var table in rawTables)
            {
                await service.CreateTableIfNotExistsAsync(table);
            }

            var raw = new RawTransfers(service.GetTableClient(rawTables[0]), service.GetTableClient(rawTables[1]), payload);

            // The floor: the relay's 6 operations on the relay's layout, its own table and request counter.
            var floorCounter = new StorageRequestCounter();
            var floorOptions = new TableClientOptions();
            floorOptions.Retry.MaxRetries = tableOptions.Retry.MaxRetries;
            floorOptions.Retry.Mode = tableOptions.Retry.Mode;
            floorOptions.Retry.Delay = tableOptions.Retry.Delay;
            floorOptions.Retry.MaxDelay = tableOptions.Retry.MaxDelay;
            floorOptions.Retry.NetworkTimeout = tableOptions.Retry.NetworkTimeout;
            floorOptions.Diagnostics.IsLoggingContentEnabled = false;
            floorOptions.AddPolicy(floorCounter, HttpPipelinePosition.PerRetry);
            var floorService = new TableServiceClient(options.StorageConnectionString, floorOptions);
            var floorTable = "benchfloor" + suffix;
            await floorService.CreateTableIfNotExistsAsync(floorTable);
            var floor = new FloorTransfers(floorService.GetTableClient(floorTable), payload, new ScTransfer.Relay.Configuration.StorageOptions().Shards);
            rawTables = [.. rawTables, floorTable];

            // The relay as configured, then any --compare variants (same build, other settings), all measured in the
            // same slices' rotation so a before/after comparison sees the same machine load.
            var relays = new List<RelayUnderTest>();
            try
            {
                foreach (var (name, environment) in options.Variants)
                {
#pragma warning disable CA2000 // the process and its client belong to `relays`, disposed in the finally below
                    var process = await RelayProcess.StartAsync(options.RelayDll, options.StorageConnectionString, options.StoragePort,
                        environment.Prepend(Invariant($"Storage__NetworkTimeout={options.StorageNetworkTimeout:c}")));
                    var http = new HttpClient(new SocketsHttpHandler
                    {
                        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
                        UseCookies = false,
                        AutomaticDecompression = DecompressionMethods.None,
                    })
                    { BaseAddress = process.BaseAddress, Timeout = TimeSpan.FromSeconds(120) };
                    relays.Add(new RelayUnderTest(name, process, http, new RelayTransfers(http, payload)));
#pragma warning restore CA2000
                }

                var results = new List<LevelResult[]>();
                foreach (var concurrency in options.Levels)
                {
                    var row = new[] { new LevelResult("raw", concurrency), new LevelResult("floor", concurrency) }
                        .Concat(relays.Select(r => new LevelResult(r.Name, concurrency))).ToArray();
                    if (options.WarmUp > TimeSpan.Zero)
                    {
                        await Load.RunAsync(raw, concurrency, options.WarmUp, null, null);
                        await Load.RunAsync(floor, concurrency, options.WarmUp, null, null);
                        foreach (var relay in relays)
                        {
                            await Load.RunAsync(relay.Flow, concurrency, options.WarmUp, null, null);
                        }
                    }

                    // Each round rotates the order (raw, relay, … then relay, …, raw) so a drift in the machine's load hits every side.
                    for (var round = 0; round < options.Rounds; round++)
                    {
                        var order = Enumerable.Range(0, row.Length);
                        foreach (var side in round % 2 == 0 ? order : order.Reverse())
                        {
                            var budget = options.TransfersPerSlice is -1 ? concurrency : options.TransfersPerSlice;
                            var storageCpu = StorageCpu(options);
                            if (side == 0)
                            {
                                await MeasureRawAsync(raw, counter, concurrency, options.Slice, budget, row[0]);
                            }
                            else if (side == 1)
                            {
                                await MeasureRawAsync(floor, floorCounter, concurrency, options.Slice, budget, row[1]);
                            }
                            else
                            {
                                await MeasureRelayAsync(relays[side - 2].Process, relays[side - 2].Flow, concurrency, options.Slice, budget, row[side]);
                            }

                            row[side].StorageCpu += StorageCpu(options) - storageCpu;
                        }
                    }

                    results.Add(row);
                }

                // The purge, after the load: the deferred operation of the relay's own transfers (removing the
                // tombstones its deletes left), then mailboxes that expire together among as many live ones.
                // What the relay reads back from storage, counted on the wire through a proxy, apart from the timed
                // slices (the proxy's hop would slow the relay's side only).
                var traffic = await StorageTraffic.MeasureAsync(options, payload);

                var relayTransfers = results.Sum(level => level[2].Attempts);
                var tombstones = await PurgeBench.TombstonesAsync(options, relays[0].Process.Tables[0]);
                var (expired, expiredTombstones) = await PurgeBench.ExpiredAsync(options, options.PurgeMailboxes, payload);
                var storeSizes = await PurgeBench.StoreSizesAsync(options, options.PurgeMailboxes, payload);

                Report.Write(output, options, results, relays[0].Process.LogLines, traffic,
                    new PurgeResults(relayTransfers, tombstones, options.PurgeMailboxes, expired, expiredTombstones, storeSizes, PurgeBench.RetiredIdentifierBytes()));
            }
            finally
            {
                foreach (var relay in relays)
                {
                    relay.Http.Dispose();
                    await relay.Process.DisposeAsync();
                }
            }

            foreach (var table in rawTables.Concat(relays.SelectMany(r => r.Process.Tables)))
            {
                await service.DeleteTableAsync(table);
            }

            return 0;
        }

        private static TimeSpan StorageCpu(BenchOptions options) =>
            options.StorageProcessId is { } pid ? RelayProcess.CpuTimeOf(pid) : TimeSpan.Zero;

        private static async Task MeasureRawAsync(
            ITransferFlow raw, StorageRequestCounter counter, int concurrency, TimeSpan slice, int? budget, LevelResult result)
        {
            var (requests, operations, nonPoint, bytesRead) = (counter.Requests, counter.EntityOperations, counter.NonPointRequests, counter.BytesRead);
            await Load.RunAsync(raw, concurrency, slice, budget, result);
            result.StorageRequests += counter.Requests - requests;
            result.StorageEntityOperations += counter.EntityOperations - operations;
            result.StorageBytesRead += counter.BytesRead - bytesRead;
            result.NonPointRequests += counter.NonPointRequests - nonPoint;
        }

        private static async Task MeasureRelayAsync(
            RelayProcess relay, RelayTransfers flow, int concurrency, TimeSpan slice, int? budget, LevelResult result)
        {
            var before = await RelayProbe.ReadAsync(relay.ProbeSocket);
            var requests = flow.Requests;
            var cpu = relay.CpuTime();
            using var sampling = new CancellationTokenSource();
            var sampler = Task.Run(async () =>
            {
                var peak = relay.ResidentBytes();
                while (!sampling.IsCancellationRequested)
                {
                    peak = Math.Max(peak, relay.ResidentBytes());
                    await Task.Delay(100, CancellationToken.None); // the sampling period
                }

                return peak;
            });

            await Load.RunAsync(flow, concurrency, slice, budget, result);
            await sampling.CancelAsync();
            result.RelayPeakResidentBytes = Math.Max(result.RelayPeakResidentBytes, await sampler);
            result.RelayCpu += relay.CpuTime() - cpu;
            var after = await RelayProbe.ReadAsync(relay.ProbeSocket);
            result.RelayRequests += flow.Requests - requests;
            result.RelayAllocatedBytes += after.AllocatedBytes - before.AllocatedBytes;
            result.StorageRequests += after.StorageRequests - before.StorageRequests;
            for (var i = 0; i < result.StorageRequestsByMethod.Length; i++)
            {
                result.StorageRequestsByMethod[i] += after.StorageRequestsByMethod[i] - before.StorageRequestsByMethod[i];
            }
        }
    }
}
