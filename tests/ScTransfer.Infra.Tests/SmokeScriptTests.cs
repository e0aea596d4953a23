using System.Diagnostics;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

public sealed class SmokeRelayFixture : IAsyncLifetime
{
    public RelayHost Relay { get; private set; } = null!;

    public async Task InitializeAsync() => Relay = await RelayHost.StartAsync();

    public async Task DisposeAsync() => await Relay.DisposeAsync();
}

/// <summary>scripts/smoke.sh, the post-deployment check of docs/deploy.md, against the self-hosted relay.</summary>
[Trait(Needs.Trait, Needs.Relay)]
[Trait(Needs.Trait, Needs.Shell)]
public sealed class SmokeScriptTests(SmokeRelayFixture fixture) : IClassFixture<SmokeRelayFixture>
{
    [Theory]
    [InlineData("auto")]
    [InlineData("no")] // the grep/sed path, for machines without jq
    public async Task A_full_transfer_passes_against_a_running_relay(string useJq)
    {
        var run = await SmokeAsync(fixture.Relay.BaseAddress.ToString(), useJq);

        Assert.True(run.ExitCode == 0, $"smoke.sh failed ({run.ExitCode}):\n{run.Output}\n{run.Error}");
        Assert.Contains("all 5 steps passed", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task It_stops_with_a_clear_message_at_the_first_failure()
    {
        var run = await SmokeAsync(new Uri(fixture.Relay.BaseAddress, "not-the-relay/").ToString(), "auto");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("FAIL step 1: expected HTTP 200, got 404", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("2. ", run.Output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output, string Error)> SmokeAsync(string url, string useJq)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "scripts", "smoke.sh"), url])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["SMOKE_USE_JQ"] = useJq;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitOrKillAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await error);
    }
}
