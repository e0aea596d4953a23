using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Push.Tests;

/// <summary>
/// <c>NotificationHubs__*</c> and <c>Push__*</c> at start-up: both hub settings or neither, a connection string the
/// client can use (its key never quoted), an unresolved Key Vault reference left to turn pushes off, the budget in range.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PushSettingsTests
{
    private const string Key = "c2VjcmV0LXNhcy1rZXktbmV2ZXItc2hvd24=";

    private static List<string> Failures(NotificationHubsOptions options) =>
        [.. new NotificationHubsOptionsValidator().Validate(null, options).Failures ?? []];

    [Theory]
    [InlineData("", "")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=" + Key, "relay-hub")]
    [InlineData("@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/hubs)", "relay-hub")] // pushes off, relay up
    public void Neither_both_or_an_unresolved_reference_is_accepted(string connectionString, string hub)
    {
        Assert.Empty(Failures(new NotificationHubsOptions { ConnectionString = connectionString, HubName = hub }));
    }

    [Theory]
    [InlineData("", "relay-hub", "Set both NotificationHubs__ConnectionString and NotificationHubs__HubName")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=" + Key, "", "Set both")]
    [InlineData("Endpoint=ftp://ns.example/;SharedAccessKeyName=send;SharedAccessKey=" + Key, "relay-hub", "NotificationHubs__ConnectionString has an Endpoint")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKey=" + Key, "relay-hub", "NotificationHubs__ConnectionString has no SharedAccessKeyName=")]
    [InlineData("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=" + Key, "relay hub", "NotificationHubs__HubName must be")]
    public void Half_a_configuration_or_one_the_client_cannot_use_is_named_without_its_key(string connectionString, string hub, string expected)
    {
        var failure = Assert.Single(Failures(new NotificationHubsOptions { ConnectionString = connectionString, HubName = hub }));

        Assert.StartsWith(expected, failure, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_push_budget_is_checked_in_range()
    {
        var failures = new PushOptionsValidator().Validate(
            null, new PushOptions { MaxPerMailbox = -1, MinIntervalSeconds = 3601, RetryDelayCapSeconds = 0, Schedule = PushOptions.DefaultSchedule }).Failures;

        Assert.Equal(
            [
                "Push__MaxPerMailbox must be between 0 and 10000; it is -1.", "Push__MinIntervalSeconds must be between 0 and 3600; it is 3601.",
                "Push__RetryDelayCapSeconds must be between 1 and 3600; it is 0.",
            ],
            failures);
    }

    [Theory]
    [InlineData(null, "The app setting PushRetrySchedule is not set: the pending-push retry needs a schedule")]
    [InlineData("every ten seconds", "The app setting PushRetrySchedule is not a schedule")]
    [InlineData("00:00:00", "The app setting PushRetrySchedule is a period of 00:00:00: it must be longer than zero.")]
    public void The_retry_schedule_is_required_and_read_as_the_Functions_timer_reads_it(string? schedule, string expected)
    {
        var failure = Assert.Single(new PushOptionsValidator().Validate(null, new PushOptions { Schedule = schedule }).Failures!);

        Assert.StartsWith(expected, failure, StringComparison.Ordinal);
    }
}
