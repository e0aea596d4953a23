using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// PurgeSchedule is read alike by both hosts: without it, or with something the Functions host cannot read as a
/// schedule, the relay refuses to start and says why (before, the Functions app ran with its purge silently in error).
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class PurgeScheduleSettingTests
{
    [Theory]
    [InlineData("", "PurgeSchedule is not set")]
    [InlineData("every minute", "PurgeSchedule is not a schedule")]
    [InlineData("0 */1 * * * * *", "PurgeSchedule is not a schedule")]
    [InlineData("00:00:00", "must be longer than zero")]
    public async Task A_missing_or_malformed_schedule_stops_start_up_with_a_clear_error(string schedule, string expected)
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => RelayHost.StartAsync(
            new Dictionary<string, string> { ["PurgeSchedule"] = schedule }, waitForStorage: false));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0 */1 * * * *")]
    [InlineData("*/5 * * * *")]
    [InlineData("01:00:00")]
    public async Task Every_form_the_Functions_host_accepts_starts(string schedule)
    {
        await using var relay = await RelayHost.StartAsync(new Dictionary<string, string> { ["PurgeSchedule"] = schedule });

        // Started, and the relay itself answers (404 for an unknown mailbox; 503 only if storage is slow just then).
        using var response = await relay.CreateClient().GetAsync("v1/m/" + RelayClient.NewId());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
