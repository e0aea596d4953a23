using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Http;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The start-up check both hosts make (<see cref="SettingsCheck"/>): with the services the hosts register, wrong
/// settings of several options types at once make one message naming every one of them, with no secret in it; right
/// settings pass. The processes that refuse to start are in tests/ScTransfer.IntegrationTests/StartupSettingsTests.cs.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class SettingsCheckTests
{
    private static readonly string ShortKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

    [Fact]
    public void The_settings_the_hosts_are_given_in_tests_pass()
    {
        using var services = Services(new());

        Assert.Null(SettingsCheck.Problems(services));
        Assert.False(SettingsCheck.Refuses(services));
    }

    [Fact]
    public void Wrong_settings_of_every_type_make_one_numbered_message_naming_each_and_quoting_no_key()
    {
        using var services = Services(new()
        {
            ["Relay:PublicBaseUrl"] = "relay.example.com",
            ["Relay:ClaimHashKey"] = ShortKey,
            ["Relay:TokenEncryptionKey"] = "not base64!",
            ["Storage:ConnectionString"] = "",
            ["RateLimiting:Read:PermitLimit"] = "0",
            ["Purge:TombstoneRetention"] = "-1.00:00:00",
            ["Push:MinIntervalSeconds"] = "soon",
            ["NotificationHubs:HubName"] = "relay-hub",
            ["PrivacyPass:CreateMailbox"] = "Required",
            ["AppLinks:AppleAppIds"] = "com.example.wallet",
            ["AppLinks:AppName"] = "Wallet",
        });

        var message = SettingsCheck.Problems(services)!;

        Assert.StartsWith("Start-up failed: the relay does not start, 11 settings are wrong: (1) Relay__PublicBaseUrl must be", message, StringComparison.Ordinal);
        string[] named =
        [
            "Relay__PublicBaseUrl", "Relay__ClaimHashKey is 16 bytes", "Relay__TokenEncryptionKey is not base64",
            "Set exactly one of Storage__ConnectionString", "RateLimiting__Read__PermitLimit must be between 1 and",
            "Purge__TombstoneRetention is -1.00:00:00", "Push__MinIntervalSeconds must be a whole number", "Set both NotificationHubs__ConnectionString",
            "PrivacyPass__IssuerPublicKeys is required", "PrivacyPass__IssuerName is required", "AppLinks__AppleAppIds: 'com.example.wallet'",
        ];
        for (var i = 0; i < named.Length; i++)
        {
            Assert.Contains($"({i + 1}) {named[i]}", message, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(ShortKey, message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", message, StringComparison.Ordinal); // one line: the Functions host keeps a worker's error lines one by one
    }

    [Fact]
    public void A_refusal_is_logged_once_as_critical_with_its_event_id_and_written_where_the_host_asks()
    {
        var logged = new List<(LogLevel Level, int Id, string Message)>();
        using var services = Services(new() { ["Purge:TombstoneRetention"] = "1.00:00:00" }, logging => logging.AddProvider(new Recorder(logged)));
        using var standardError = new StringWriter();

        Assert.True(SettingsCheck.Refuses(services, standardError));

        var line = Assert.Single(logged, l => l.Id == EventIds.SettingsRefused);
        Assert.Equal(LogLevel.Critical, line.Level);
        Assert.StartsWith("Start-up failed: the relay does not start, 1 setting is wrong: (1) Purge__TombstoneRetention is 1.00:00:00, shorter", line.Message, StringComparison.Ordinal);
        Assert.Equal(line.Message + Environment.NewLine, standardError.ToString());
    }

    [Theory]
    [InlineData(null, 1000)] // the default network timeout of 3 s: a second, as docs/security.md says
    [InlineData("00:00:30", 10_000)]
    [InlineData("00:00:01", 333)]
    public void Storage_counts_as_stalled_after_a_third_of_its_network_timeout_without_an_answer(string? networkTimeout, int milliseconds)
    {
        using var services = Services(networkTimeout is null ? new() : new() { ["Storage:NetworkTimeout"] = networkTimeout });

        var health = services.GetRequiredService<ScTransfer.Relay.Storage.StorageHealth>();

        Assert.Equal(milliseconds, (int)health.StallThreshold.TotalMilliseconds);
    }

    private static ServiceProvider Services(Dictionary<string, string?> overrides, Action<ILoggingBuilder>? logging = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Relay:PublicBaseUrl"] = FunctionHarness.PublicBaseUrl,
            ["Relay:ClaimHashKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Relay:TokenEncryptionKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Storage:ConnectionString"] = "UseDevelopmentStorage=true",
            ["PurgeSchedule"] = PurgeSchedule.Default,
            ["PushRetrySchedule"] = PushOptions.DefaultSchedule,
        };
        foreach (var (key, value) in overrides)
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection().AddLogging(logging ?? (_ => { }));
        services.AddSecureCredentialRelay(configuration).AddRelayHttp(configuration);
        return services.BuildServiceProvider();
    }

    private sealed class Recorder(List<(LogLevel, int, string)> lines) : ILoggerProvider, ILogger
    {
        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (lines)
            {
                lines.Add((logLevel, eventId.Id, formatter(state, exception)));
            }
        }

        public void Dispose()
        {
        }
    }
}
