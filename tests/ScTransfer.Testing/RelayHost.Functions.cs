using System.Net;
using System.Net.Sockets;

namespace ScTransfer.Testing;

/// <summary>Which host the end-to-end tests start relays in.</summary>
public enum TestHostKind
{
    /// <summary>src/ScTransfer.SelfHost: the function classes on Kestrel.</summary>
    SelfHost,

    /// <summary>The Functions app's real isolated worker under the Functions host emulator (../shared/tools/functions-host).</summary>
    Functions,

    /// <summary>The Functions app under Azure Functions Core Tools' <c>func start</c>, where it is installed.</summary>
    Func,
}

public static class TestHostKinds
{
    public const string Variable = "RELAY_TEST_HOST";

    public static TestHostKind FromEnvironment() => Environment.GetEnvironmentVariable(Variable)?.Trim().ToLowerInvariant() switch
    {
        null or "" or "selfhost" => TestHostKind.SelfHost,
        "functions" => TestHostKind.Functions,
        "func" => TestHostKind.Func,
        var other => throw new InvalidOperationException($"{Variable}={other}: expected selfhost, functions or func."),
    };
}

public sealed partial class RelayHost
{
    /// <summary>
    /// Runs the purge now: under the Functions host through its admin API (<c>POST /admin/functions/PurgeExpiredMailboxes</c>,
    /// waiting for the run); the self-hosted runner has no admin API and runs it on <c>PurgeSchedule</c> only, so there
    /// this returns false and the caller waits for the schedule.
    /// </summary>
    public async Task<bool> TryRunPurgeNowAsync()
    {
        if (!IsFunctions)
        {
            return false;
        }

        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(90) };
        var path = HostKind == TestHostKind.Functions
            ? "admin/functions/PurgeExpiredMailboxes?wait" // the emulator's ?wait answers when the run is over
            : "admin/functions/PurgeExpiredMailboxes";
        using var response = await client.PostAsync(path, new StringContent("{\"input\":\"\"}", System.Text.Encoding.UTF8, "application/json"));
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"The host did not run the purge: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return true;
    }

    /// <summary>
    /// Starts the host; again, on other ports, when a port it was given was taken meanwhile. A free port is found by
    /// binding and letting go, for the host here and for the worker inside the emulator, so on a busy machine another
    /// process can take it first ("address already in use"): that is the machine, not the relay.
    /// </summary>
    private static async Task<RelayHost> StartFunctionsAsync(Dictionary<string, string> settings, bool waitForStorage)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await StartFunctionsOnceAsync(settings, waitForStorage);
            }
            catch (InvalidOperationException e) when (attempt < 3 && e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
            }
        }
    }

    private static async Task<RelayHost> StartFunctionsOnceAsync(Dictionary<string, string> settings, bool waitForStorage)
    {
        var output = Repository.FunctionsOutput;
        if (!File.Exists(Path.Combine(output, "functions.metadata")) || !File.Exists(Path.Combine(output, "worker.config.json")))
        {
            throw new InvalidOperationException($"The Functions app is not built: no functions.metadata and worker.config.json in {output}. Build the solution first.");
        }

        var scriptRoot = output;

        var port = FreePort();
        var temp = Directory.CreateTempSubdirectory("sct-functions-").FullName;

        // The host reads local.settings.json from the script root (under the environment): an empty one of our own keeps a
        // developer's local.settings.json out of the tests, so both hosts run with exactly these settings.
        var settingsFile = Path.Combine(temp, "local.settings.json");
        await File.WriteAllTextAsync(settingsFile, "{\"IsEncrypted\":false,\"Values\":{}}");

        string fileName;
        string[] arguments;
        if (Kind == TestHostKind.Functions)
        {
            var emulator = await FunctionsHostEmulator.GetDllAsync();
            (fileName, arguments) = ("dotnet", [emulator, "--script-root", scriptRoot, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--settings", settingsFile]);
        }
        else
        {
            // func start in the build output: it runs what is built there (functions.metadata, worker.config.json).
            (fileName, arguments) = ("func", ["start", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--script-root", scriptRoot]);
        }

        var environment = settings.ToDictionary(s => s.Key, s => (string?)s.Value);
        environment["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated";
        environment["AzureWebJobsStorage"] = settings.GetValueOrDefault("AzureWebJobsStorage", Azurite.ConnectionString);
        environment[TestHostKinds.Variable] = null;

        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var process = ChildProcess.Start(fileName, arguments, scriptRoot, environment, log.Enqueue);
        var host = new RelayHost(process, log, settings, Kind, temp) { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        try
        {
            await host.WaitUntilAnsweringAsync(TimeSpan.FromSeconds(120));
            if (waitForStorage)
            {
                await host.WaitUntilTablesExistAsync();
            }
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }

        return host;
    }

    /// <summary>As the emulator's run.sh: the host says Running, and the worker answers for an unknown mailbox.</summary>
    private async Task WaitUntilAnsweringAsync(TimeSpan timeout)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(20) };
        await Timeouts.WaitUntilAsync(AnsweringAsync, timeout, () => "the Functions host did not answer:\n" + string.Join('\n', _log));

        async Task<bool> AnsweringAsync()
        {
            if (_process.HasExited)
            {
                // Both output streams read to the end, unless a process it left holds them open: report what came.
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
                throw new InvalidOperationException($"The relay exited during start-up (the Functions host exited with {_process.ExitCode}):\n" + string.Join('\n', _log));
            }

            try
            {
                using var status = await client.GetAsync("admin/host/status");
                if (!status.IsSuccessStatusCode || !(await status.Content.ReadAsStringAsync()).Contains("Running", StringComparison.Ordinal))
                {
                    return false;
                }

                using var probe = await client.GetAsync($"v1/m/{Guid.NewGuid()}");
                // The worker's answer (404, or 503 while storage is down), not the host's bare one.
                return probe.Content.Headers.ContentType?.MediaType == "application/problem+json";
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
            catch (TaskCanceledException)
            {
                return false; // not answering yet
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
