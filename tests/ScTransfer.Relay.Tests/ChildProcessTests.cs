using ScTransfer.Relay.Diagnostics;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>How the tests see a runner start (<see cref="ChildProcess"/>), with a shell script writing the runner's lines.</summary>
[Trait(Needs.Trait, Needs.Shell)]
public sealed class ChildProcessTests
{
    private const string Tables = "info: ScTransfer.Relay.Storage.StorageInitializer[1101]\\n      " + EventIds.MailboxTableReadyMessage + "\\n";
    private const string Listening = "info: Microsoft.Hosting.Lifetime[14]\\n      Now listening on: http://127.0.0.1:5999\\n";

    [Theory]
    [InlineData(Listening + Tables)]
    [InlineData(Tables + Listening)] // storage answered before Kestrel listened: once taken for a runner that never listened
    public async Task A_runner_has_started_once_it_said_both_lines_in_either_order(string output)
    {
        var (runner, address) = await ChildProcess.StartRunnerAsync(
            "sh", ["-c", $"printf '{output}'; exec sleep 60"], Path.GetTempPath(), [], _ => { }, TimeSpan.FromSeconds(20), waitForTables: true);
        await using (runner)
        {
            Assert.Equal(new Uri("http://127.0.0.1:5999/"), address);
        }
    }
}
