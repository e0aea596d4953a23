using System.Diagnostics;
using System.Text.RegularExpressions;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// scripts/test.sh's closing lines (scripts/test-report.sh): one line per stage, and the stage lines add up to the total,
/// an aborted run counted as a failure of its stage; and the runner's noise lines stay out of what it prints.
/// </summary>
[Trait(Needs.Trait, Needs.Shell)]
public sealed partial class TestScriptTests : IDisposable
{
    private readonly DirectoryInfo _logs = Directory.CreateTempSubdirectory("test-report-");

    [Fact]
    public async Task The_stage_lines_add_up_to_the_total()
    {
        var fast = Log("fast", """
            Passed!  - Failed:     0, Passed:   120, Skipped:     0, Total:   120, Duration: 3 s - ScTransfer.Relay.Tests.dll (net10.0)
            Passed!  - Failed:     0, Passed:   360, Skipped:     0, Total:   360, Duration: 5 s - ScTransfer.Functions.Tests.dll (net10.0)
            """);
        // Stage 2 holds every project, not only the end-to-end ones: each counts (the old e2e-only line left 171 out).
        var selfhost = Log("selfhost", """
            Passed!  - Failed:     0, Passed:   200, Skipped:     0, Total:   200, Duration: 2 m - ScTransfer.IntegrationTests.dll (net10.0)
            Failed!  - Failed:     1, Passed:    20, Skipped:     1, Total:    22, Duration: 1 m - ScTransfer.Push.Tests.dll (net10.0)
            Passed!  - Failed:     0, Passed:   150, Skipped:     0, Total:   150, Duration: 4 m - ScTransfer.Proof.Tests.dll (net10.0)
            The active test run was aborted. Reason: Test host process crashed
            Test Run Aborted.
            """);
        var functions = Log("functions", """
            Passed!  - Failed:     0, Passed:   183, Skipped:     0, Total:   183, Duration: 3 m - ScTransfer.IntegrationTests.dll (net10.0)
            """);

        var lines = (await BashAsync($". scripts/test-report.sh; report in-process {fast} 'self-hosted runner' {selfhost} 'Functions host' {functions}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(
        [
            "in-process: 480 passed, 0 failed, 0 skipped",
            "self-hosted runner: 370 passed, 2 failed, 1 skipped",
            "Functions host: 183 passed, 0 failed, 0 skipped",
            "total: 1033 passed, 2 failed, 1 skipped",
        ], lines);
        var stages = lines[..^1].Select(Counts).ToList();
        Assert.Equal(Counts(lines[^1]), (stages.Sum(s => s.Passed), stages.Sum(s => s.Failed), stages.Sum(s => s.Skipped)));
    }

    [Fact]
    public async Task A_stage_that_did_not_run_says_why_and_adds_nothing()
    {
        var fast = Log("fast", "Passed!  - Failed:     0, Passed:     7, Skipped:     0, Total:     7, Duration: 1 s - X.dll (net10.0)");

        var lines = (await BashAsync($". scripts/test-report.sh; report in-process {fast} 'Functions host' 'skipped: RELAY_TEST_FUNCTIONS=0'")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(["in-process: 7 passed, 0 failed, 0 skipped", "Functions host: skipped: RELAY_TEST_FUNCTIONS=0", "total: 7 passed, 0 failed, 0 skipped"], lines);
    }

    [Fact]
    public async Task The_runners_noise_lines_are_dropped_and_what_matters_is_kept()
    {
        var output = Log("output", """
            Test run for /repo/tests/ScTransfer.Relay.Tests/bin/Release/net10.0/ScTransfer.Relay.Tests.dll (.NETCoreApp,Version=v10.0)
            VSTest version 17.14.1 (x64)

            Starting test execution, please wait...
            A total of 1 test files matched the specified pattern.
            No test matches the given testcase filter `Needs=Nothing` in /repo/tests/ScTransfer.Infra.Tests/bin/Release/net10.0/ScTransfer.Infra.Tests.dll
            Data collector 'Blame' message: All tests finished running, Sequence file will not be generated.
              Failed ScTransfer.Relay.Tests.SomeTests.It_works [12 ms]
              Error Message:
               Assert.Equal() Failure
            Passed!  - Failed:     0, Passed:   120, Skipped:     0, Total:   120, Duration: 3 s - ScTransfer.Relay.Tests.dll (net10.0)
            """);

        var shown = (await BashAsync($". scripts/test-report.sh; quiet < {output}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(
        [
            "  Failed ScTransfer.Relay.Tests.SomeTests.It_works [12 ms]",
            "  Error Message:",
            "   Assert.Equal() Failure",
            "Passed!  - Failed:     0, Passed:   120, Skipped:     0, Total:   120, Duration: 3 s - ScTransfer.Relay.Tests.dll (net10.0)",
        ], shown);
    }

    [Fact]
    public void The_script_prints_its_stages_through_report_and_its_output_through_quiet()
    {
        var script = File.ReadAllText(Path.Combine(Repository.Root, "scripts", "test.sh"));

        Assert.Contains(". scripts/test-report.sh", script, StringComparison.Ordinal);
        Assert.Contains("report \"in-process\" \"$fast_log\" \"self-hosted runner\" \"$log\" \"Functions host\"", script, StringComparison.Ordinal);
        // Every `dotnet test` goes to its log whole and to the terminal through quiet.
        var runs = Regex.Matches(script, @"dotnet test (?:[^\n]*\\\n)*[^\n]*").Select(m => m.Value).ToList();
        Assert.Equal(5, runs.Count); // the stages, and the Functions leg's three projects
        Assert.All(runs, run => Assert.Matches(@"\| tee (-a )?""\$\w+"" \| quiet \|\| status=\$\?", run));
    }

    public void Dispose() => _logs.Delete(recursive: true);

    private static (int Passed, int Failed, int Skipped) Counts(string line)
    {
        var m = CountsLine().Match(line);
        Assert.True(m.Success, line);
        return (int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    private string Log(string name, string text)
    {
        var path = Path.Combine(_logs.FullName, name + ".log");
        File.WriteAllText(path, text.ReplaceLineEndings("\n") + "\n");
        return path;
    }

    private static async Task<string> BashAsync(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", "set -euo pipefail; " + script])
        {
            WorkingDirectory = Repository.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitOrKillAsync(TimeSpan.FromMinutes(1));
        Assert.True(process.ExitCode == 0, $"bash -c {script}: exit {process.ExitCode}: {await error}");
        return await output;
    }

    [GeneratedRegex(@": (\d+) passed, (\d+) failed, (\d+) skipped$")]
    private static partial Regex CountsLine();
}
