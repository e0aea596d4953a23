using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// PurgeSchedule is read alike by both hosts: every form the Functions host's timer accepts starts the relay. Without
/// it, or with something that host cannot read as a schedule, the relay refuses to start and says why (before, the
/// Functions app ran with its purge silently in error): PurgeScheduleParserTests, PurgeOptionsValidatorTests, and the
/// refusal end to end in StartupSettingsTests.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class PurgeScheduleSettingTests
{
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
