using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// scripts/run-local.sh as a newcomer starts it, in a copy of the repository's layout (its own .azurite/ and .local/,
/// the built relay and node_modules linked in) with its own Azurite on a free port: what it starts ends together, and
/// it says which part ended. The first case is the one a first try met: SIGINT to the script's process group from a
/// non-interactive shell, where the script and the relay ignore it and only Azurite stops.
/// </summary>
[Trait(Needs.Trait, Needs.Node)]
[Trait(Needs.Trait, Needs.Shell)]
public sealed partial class RunLocalTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("run-local-");
    private readonly ConcurrentQueue<string> _lines = new();
    private Process? _script;

    public RunLocalTests()
    {
        Directory.CreateDirectory(Path.Combine(_root.FullName, "scripts"));
        File.Copy(Path.Combine(Repository.Root, "scripts", "run-local.sh"), Path.Combine(_root.FullName, "scripts", "run-local.sh"));
        Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "node_modules"), Path.Combine(Repository.Root, "node_modules"));
        Directory.CreateSymbolicLink(Path.Combine(_root.FullName, "src"), Path.Combine(Repository.Root, "src"));
    }

    [Fact]
    public async Task When_SIGINT_reaches_only_Azurite_the_relay_stops_too_and_the_script_says_why()
    {
        var (relayPort, azuritePid, relayPid) = await StartAsync();

        // As `kill -INT -- -PGID` of a script started in the background of a non-interactive shell: the script and the
        // relay inherit SIGINT ignored, Azurite (Node) takes it.
        var group = ProcessGroupOf(_script!.Id);
        Assert.Equal(group, ProcessGroupOf(azuritePid));
        Assert.Equal(0, Kill("-INT", "-" + group));

        await WaitForExitAsync();
        Assert.Contains(_lines, l => EndedLine().Match(l) is { Success: true } m && m.Groups[1].Value == "Azurite");
        Assert.NotEqual(0, _script.ExitCode);
        await AssertGoneAsync(relayPid, relayPort);
    }

    [Fact]
    public async Task When_the_relay_ends_Azurite_ends_too_and_the_script_says_why()
    {
        var (_, azuritePid, relayPid) = await StartAsync();

        Assert.Equal(0, Kill("-KILL", relayPid.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        await WaitForExitAsync();
        Assert.Contains(_lines, l => EndedLine().Match(l) is { Success: true } m && m.Groups[1].Value == "the relay" && m.Groups[2].Value == "137");
        Assert.Equal(137, _script!.ExitCode);
        Assert.False(Alive(azuritePid), "Azurite outlived the relay");
    }

    public void Dispose()
    {
        if (_script is { HasExited: false })
        {
            Kill("-KILL", "-" + ProcessGroupOf(_script.Id));
            _script.WaitForExit(TimeSpan.FromSeconds(30));
        }

        _script?.Dispose();
        _root.Delete(recursive: true);
    }

    /// <summary>Starts the script in a session of its own (so its group can be signalled) and waits until the relay answers.</summary>
    private async Task<(int RelayPort, int AzuritePid, int RelayPid)> StartAsync()
    {
        Assert.True(File.Exists(Repository.SelfHostDll), $"{Repository.SelfHostDll} is missing: build the solution first.");
        var (relayPort, tablePort) = (FreePort(), FreePort());
        // setsid: a process group of its own. The script runs as a background job of a non-interactive shell, so it and
        // its children start with SIGINT ignored, and that shell (whose end this test waits for) ignores it as well.
        var start = new ProcessStartInfo("setsid", ["bash", "-c", "trap '' INT; bash scripts/run-local.sh & wait $!"])
        {
            WorkingDirectory = _root.FullName,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["RELAY_PORT"] = relayPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["AZURITE_TABLE_PORT"] = tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RUN_LOCAL_BUILD"] = "0"; // built once for every test; a build here would race the other tests' relays
        _script = Process.Start(start)!;
        _script.OutputDataReceived += (_, e) => Keep(e.Data);
        _script.ErrorDataReceived += (_, e) => Keep(e.Data);
        _script.BeginOutputReadLine();
        _script.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{relayPort}/"), Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(_script.HasExited, "run-local.sh exited before the relay answered:\n" + string.Join('\n', _lines));
            Assert.True(clock.Elapsed < Bound, "The relay did not answer within 60 s:\n" + string.Join('\n', _lines));
            try
            {
                using var answer = await http.GetAsync("v1/openapi.yaml");
                if (answer.StatusCode == HttpStatusCode.OK)
                {
                    break;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // starting
            }

            await Task.Delay(200);
        }

        return (relayPort, Pid(AzuriteLine()), Pid(RelayLine()));
    }

    private int Pid(Regex line) =>
        int.Parse(_lines.Select(l => line.Match(l)).Single(m => m.Success).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _lines.Enqueue(line);
        }
    }

    private async Task WaitForExitAsync()
    {
        using var timeout = new CancellationTokenSource(Bound);
        try
        {
            await _script!.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail("run-local.sh did not end within 60 s of its child's end:\n" + string.Join('\n', _lines));
        }

        _script.WaitForExit(); // the output's last lines
    }

    private static async Task AssertGoneAsync(int pid, int port)
    {
        Assert.False(Alive(pid), "the relay outlived Azurite");
        using var client = new TcpClient();
        await Assert.ThrowsAnyAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port).DefaultTimeout());
    }

    /// <summary>Alive and not a zombie (one its parent has not reaped yet is already dead).</summary>
    private static bool Alive(int pid) =>
        File.Exists($"/proc/{pid}/stat") && File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1][0] != 'Z';

    private static int ProcessGroupOf(int pid) =>
        int.Parse(File.ReadAllText($"/proc/{pid}/stat").Split(") ")[^1].Split(' ')[2], System.Globalization.CultureInfo.InvariantCulture);

    private static int Kill(string signal, string target)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", [signal, "--", target]))!;
        kill.WaitForExit(TimeSpan.FromSeconds(10));
        return kill.ExitCode;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"^run-local: (Azurite|the relay) ended \(exit status (\d+)\); stopping everything else this script started\.$")]
    private static partial Regex EndedLine();

    [GeneratedRegex(@"^run-local: Azurite Table service on 127\.0\.0\.1:\d+ \(data in \.azurite/, pid (\d+)\)\.$")]
    private static partial Regex AzuriteLine();

    [GeneratedRegex(@"^run-local: relay on http://127\.0\.0\.1:\d+ \(pid (\d+)\)\. Ctrl-C stops it\.$")]
    private static partial Regex RelayLine();
}
