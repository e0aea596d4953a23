using System.Collections.Concurrent;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Testing;

/// <summary>
/// A real relay process over real Azurite, on a free loopback port, with its own tables: the self-hosted runner
/// (src/ScTransfer.SelfHost on Kestrel), or the Functions app's real isolated worker under the Functions host emulator
/// (or <c>func start</c>), as <see cref="Kind"/> (env <c>RELAY_TEST_HOST</c>) says. Every line it logs is kept for
/// log-hygiene checks.
/// </summary>
public sealed partial class RelayHost : IAsyncDisposable, IDisposable
{
    private readonly ChildProcess _process;
    private readonly ConcurrentQueue<string> _log;

    private readonly string? _tempDirectory;

    private RelayHost(ChildProcess process, ConcurrentQueue<string> log, Dictionary<string, string> settings, TestHostKind kind, string? tempDirectory = null)
    {
        _process = process;
        _log = log;
        Settings = settings;
        HostKind = kind;
        _tempDirectory = tempDirectory;
    }

    /// <summary>The host the relays of this test run are started in: env <c>RELAY_TEST_HOST</c> (selfhost, functions, func).</summary>
    public static TestHostKind Kind { get; } = TestHostKinds.FromEnvironment();

    /// <summary>The host this relay runs in.</summary>
    public TestHostKind HostKind { get; }

    /// <summary>True under the Functions host (the emulator or <c>func start</c>), where the app's worker serves requests.</summary>
    public bool IsFunctions => HostKind != TestHostKind.SelfHost;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The settings the relay was started with (environment variables).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; }

    public string MailboxTable => Settings["Storage__MailboxTable"];

    /// <summary>Everything the relay wrote to standard output and error so far.</summary>
    public IReadOnlyCollection<string> LogLines => _log;

    /// <summary>
    /// The log lines the host keeps: under the Functions host emulator, not the worker's lines it marks as logged
    /// outside an invocation ("no invocation: the real host drops this line"), which Azure's host drops.
    /// </summary>
    public IEnumerable<string> DeliveredLogLines => IsFunctions
        ? _log.Where(line => !line.Contains("no invocation: the real host drops this line", StringComparison.Ordinal))
        : _log;

    public HttpClient CreateClient() => new() { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Starts a relay; <paramref name="overrides"/> are extra or replacement settings (env style, e.g. Relay__MaxPayloadBytes).
    /// With <paramref name="waitForStorage"/> it returns once the relay has created its mailbox table.
    /// </summary>
    public static async Task<RelayHost> StartAsync(
        IDictionary<string, string>? overrides = null, string publicBaseUrl = "https://relay.test.example", bool waitForStorage = true)
    {
        _ = Azurite.Shared;
        var settings = SettingsWith(Azurite.ConnectionString, publicBaseUrl, overrides);
        if (Kind != TestHostKind.SelfHost)
        {
            return await StartFunctionsAsync(settings, waitForStorage);
        }

        var log = new ConcurrentQueue<string>();
        var (process, baseAddress) = await ChildProcess.StartSelfHostAsync(
            SelfHostDll(), settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)), log.Enqueue, TimeSpan.FromSeconds(90), waitForStorage);
        return new RelayHost(process, log, settings, TestHostKind.SelfHost) { BaseAddress = baseAddress };
    }

    /// <summary>
    /// Starts the self-hosted runner inside <paramref name="network"/>, on a free port of <c>[::1]</c> there, over
    /// <paramref name="azurite"/> (started inside it too): for tests whose clients need addresses the host's loopback
    /// does not have, such as IPv6 prefixes. The self-hosted runner whatever <see cref="Kind"/> says.
    /// </summary>
    public static async Task<RelayHost> StartInAsync(NetworkNamespace network, DedicatedAzurite azurite, IDictionary<string, string>? overrides = null)
    {
        var settings = SettingsWith(azurite.ConnectionString, "https://relay.test.example", overrides);
        var log = new ConcurrentQueue<string>();
        // The runner's process is started before StartSelfHostAsync first awaits, so on the namespace's thread.
        var (process, baseAddress) = await await network.RunAsync(() => ChildProcess.StartSelfHostAsync(
            SelfHostDll(), settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value)), log.Enqueue, TimeSpan.FromSeconds(90), urls: "http://[::1]:0"));
        return new RelayHost(process, log, settings, TestHostKind.SelfHost) { BaseAddress = baseAddress };
    }

    /// <summary>The settings every test relay starts with, over the Table service of <paramref name="connectionString"/>.</summary>
    private static Dictionary<string, string> SettingsWith(string connectionString, string publicBaseUrl, IDictionary<string, string>? overrides)
    {
        var settings = new Dictionary<string, string>
        {
            ["Relay__PublicBaseUrl"] = publicBaseUrl,
            ["Relay__ClaimHashKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Relay__TokenEncryptionKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            ["Storage__ConnectionString"] = connectionString,
            ["Storage__MailboxTable"] = Azurite.UniqueTableName("mbx"),
            ["PurgeSchedule"] = "0 0 0 1 1 *", // once a year: tests that purge set their own schedule
            ["PushRetrySchedule"] = "0 0 0 1 1 *", // once a year, as the purge: tests of retries set their own
            ["Logging__LogLevel__Default"] = "Debug",
            ["Logging__Console__FormatterName"] = "simple",
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    private static string SelfHostDll() => File.Exists(Repository.SelfHostDll)
        ? Repository.SelfHostDll
        : throw new InvalidOperationException($"The self-hosted runner is not built: {Repository.SelfHostDll}. Build the solution first.");

    // Under the Functions host, whose log shows a worker line's category and message but not its event id.
    private Task WaitUntilTablesExistAsync() =>
        Timeouts.WaitUntilAsync(() => _log.Any(l => l.Contains(EventIds.MailboxTableReadyMessage, StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        if (_tempDirectory is not null)
        {
            try
            {
                Directory.Delete(_tempDirectory, recursive: true);
            }
            catch (IOException)
            {
                // best effort: a temporary folder
            }
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
