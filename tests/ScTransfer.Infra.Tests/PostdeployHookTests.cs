using System.Diagnostics;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>
/// infra/hooks/postdeploy.sh, which azd runs after every deployment, with a stand-in `dotnet` on PATH that records how it
/// was called and answers with a chosen exit code: `sct check` runs against RELAY_URL with its report written, and its
/// failures are reported without failing azd unless RELAY_CHECK_STRICT=true asks for it (docs/deploy.md).
/// </summary>
[Trait(Needs.Trait, Needs.Shell)]
public sealed class PostdeployHookTests : IDisposable
{
    private const string Url = "https://func-relay-abc.azurewebsites.net";

    private readonly string _stubs = Directory.CreateTempSubdirectory("hook-stubs-").FullName;

    public PostdeployHookTests()
    {
        var dotnet = Path.Combine(_stubs, "dotnet");
        File.WriteAllText(dotnet, """
            #!/usr/bin/env bash
            printf '%s\n' "$@" > "$STUB_LOG"
            echo "the report of sct check"
            exit "${STUB_EXIT:-0}"
            """.ReplaceLineEndings("\n") + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private string Log => Path.Combine(_stubs, "dotnet.args");

    private string Report => Path.Combine(_stubs, "reports", "relay-check.xml");

    public void Dispose() => Directory.Delete(_stubs, recursive: true);

    [Fact]
    public void Azure_yaml_runs_the_hook_after_every_deployment()
    {
        var yaml = File.ReadAllText(Path.Combine(Repository.Root, "azure.yaml"));

        Assert.Matches(@"\n  postdeploy:\n    posix:\n      shell: sh\n      run: bash infra/hooks/postdeploy.sh\n", yaml.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task It_checks_the_deployed_relay_waiting_for_it_to_start_and_writes_the_JUnit_report()
    {
        var run = await HookAsync(new() { ["STUB_EXIT"] = "0" });

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(
            ["run", "--project", Path.Combine(Repository.Root, "src", "ScTransfer.Cli"), "-c", "Release", "-v", "quiet", "--",
                "check", Url, "--wait", "300", "--junit", Report, "--skip-slow"],
            await File.ReadAllLinesAsync(Log));
        Assert.Contains("the report of sct check", run.Output, StringComparison.Ordinal);
        Assert.Contains("every case passed", run.Output, StringComparison.Ordinal);
        Assert.True(Directory.Exists(Path.GetDirectoryName(Report)));
    }

    [Fact]
    public async Task Failed_cases_are_reported_and_the_deployment_stands()
    {
        var run = await HookAsync(new() { ["STUB_EXIT"] = "1" });

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("some cases failed", run.Error, StringComparison.Ordinal);
        Assert.Contains("The deployment stands", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", "some cases failed")]
    [InlineData("2", "did not run to the end (exit 2)")]
    public async Task With_RELAY_CHECK_STRICT_a_failure_fails_azd(string exit, string said)
    {
        var run = await HookAsync(new() { ["STUB_EXIT"] = exit, ["RELAY_CHECK_STRICT"] = "true" });

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(said, run.Error, StringComparison.Ordinal);
        Assert.Contains("failing the deployment", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_replace_the_default_so_the_expiry_case_can_be_included()
    {
        var run = await HookAsync(new() { ["RELAY_CHECK_OPTIONS"] = "--link-base https://relay.example.com" });

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(["--link-base", "https://relay.example.com"], (await File.ReadAllLinesAsync(Log))[^2..]);
        Assert.DoesNotContain("--skip-slow", await File.ReadAllLinesAsync(Log));
    }

    [Theory]
    [InlineData("RELAY_CHECK", "off", "off (RELAY_CHECK=off)")]
    [InlineData("RELAY_URL", "", "no RELAY_URL")]
    public async Task Turned_off_or_without_a_URL_it_runs_nothing(string name, string value, string said)
    {
        var run = await HookAsync(new() { [name] = value });

        Assert.Equal(0, run.ExitCode);
        Assert.Contains(said, run.Output + run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(Log));
    }

    private Task<(int ExitCode, string Output, string Error)> HookAsync(Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(Repository.Root, "infra", "hooks", "postdeploy.sh")])
        {
            WorkingDirectory = Repository.Root,
        };
        foreach (var inherited in new[] { "RELAY_CHECK", "RELAY_CHECK_STRICT", "RELAY_CHECK_OPTIONS" })
        {
            start.Environment.Remove(inherited);
        }

        start.Environment["PATH"] = _stubs + ":" + start.Environment["PATH"];
        start.Environment["STUB_LOG"] = Log;
        start.Environment["RELAY_URL"] = Url;
        start.Environment["AZURE_ENV_NAME"] = "relay";
        start.Environment["RELAY_CHECK_REPORT"] = Report;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        return start.RunToEndAsync(TimeSpan.FromMinutes(1));
    }
}
