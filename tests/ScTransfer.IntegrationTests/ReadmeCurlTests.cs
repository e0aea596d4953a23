using System.Diagnostics;
using System.Text.RegularExpressions;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// README's two curl sections run as written, one after the other in one bash, against a real relay (either host):
/// only the <c>relay=</c> line is pointed at it. Every curl's status is recorded (a wrapper adds <c>-D</c>) and compared
/// with what the README's comments promise, so a placeholder the relay refuses, a step that is only a comment or a body
/// that misses a field fails here. They run as on macOS: without /proc (a mount namespace of their own) and with a
/// base64 that, like macOS's, takes no <c>-w</c>; and every answer printed ends its line, so a status never sticks to
/// the JSON before it.
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
[Trait(Needs.Trait, Needs.Shell)]
public sealed partial class ReadmeCurlTests(RelayFixture fixture)
{
    private const string RelayLine = "relay=http://127.0.0.1:7071";

    [Fact]
    public async Task The_stateless_and_stateful_blocks_run_as_written_and_answer_what_their_comments_say()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(Repository.Root, "README.md"));
        var blocks = Section(readme, "## A stateless transfer with curl").Concat(Section(readme, "## A stateful transfer with curl")).ToList();
        Assert.Equal(2, blocks.Count);
        Assert.All(blocks, block => Assert.Contains(RelayLine, block, StringComparison.Ordinal)); // each block runs alone
        Assert.DoesNotContain("…\"", string.Concat(blocks), StringComparison.Ordinal); // no placeholder token left in a body
        Assert.DoesNotContain("<", string.Concat(blocks).Replace("<id>", "", StringComparison.Ordinal), StringComparison.Ordinal);

        var statuses = Directory.CreateTempSubdirectory("readme-curl-");
        var tools = Directory.CreateTempSubdirectory("readme-tools-");
        try
        {
            // macOS's base64 wraps nothing and knows no -w: a block that needs GNU's fails here as it would there.
            var base64 = Path.Combine(tools.FullName, "base64");
            await File.WriteAllTextAsync(base64, "#!/bin/sh\nfor a in \"$@\"; do case \"$a\" in -w*|--wrap*) echo \"base64: invalid option -- w\" >&2; exit 64;; esac; done\nexec /usr/bin/base64 \"$@\"\n");
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(base64, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }

            // Each block in a shell of its own, as someone pasting it would run it.
            var output = "";
            foreach (var block in blocks)
            {
                var script = "set -euo pipefail\n"
                    + "curl() { local n; n=$(( $(ls \"$STATUS_DIR\" | wc -l) + 1 )); command curl -D \"$STATUS_DIR/$(printf %03d $n)\" \"$@\"; }\n"
                    + block.Replace(RelayLine, "relay=" + fixture.Relay.BaseAddress.ToString().TrimEnd('/'), StringComparison.Ordinal);
                var (exitCode, blockOutput, error) = await BashAsync(script, statuses.FullName, tools.FullName);
                Assert.True(exitCode == 0, $"A README curl block failed ({exitCode}):\n{blockOutput}\n{error}");
                output += blockOutput;
            }

            var answered = statuses.GetFiles().OrderBy(f => f.Name).Select(f => LastStatus(File.ReadAllText(f.FullName))).ToList();
            Assert.Equal(
            [
                200, 200, 200, 401, 200,           // stateless: create, share page, read, anyone else, delete
                200, 200, 200, 201, 200, 200, 200, // stateful: create, bind, reply, its retry, sender reads, sender answers, delete
            ], answered);
            Assert.Contains("\"urlLink\":\"https://relay.test.example/v1/m/", output, StringComparison.Ordinal);
            Assert.Contains("<meta property=\"og:title\" content=\"Hotel Pass\">", output, StringComparison.Ordinal);
            Assert.Contains("\"title\":\"Car Key\"", output, StringComparison.Ordinal);
            // Each status on a line of its own: "...false}\n201", never "...false}201".
            var lines = output.Split('\n');
            Assert.Equal(4, lines.Count(l => Regex.IsMatch(l, "^[0-9]{3}$"))); // the four -w '%{http_code}\n' steps
            Assert.DoesNotContain(lines, l => Regex.IsMatch(l, "[}>][0-9]{3}$"));
        }
        finally
        {
            statuses.Delete(recursive: true);
            tools.Delete(recursive: true);
        }
    }

    /// <summary>The ```sh blocks between <paramref name="heading"/> and the next heading of its level.</summary>
    private static IEnumerable<string> Section(string readme, string heading)
    {
        var start = readme.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"README has no '{heading}'");
        var end = readme.IndexOf("\n## ", start + heading.Length + 2, StringComparison.Ordinal);
        var section = readme[start..(end < 0 ? readme.Length : end)];
        return ShellBlock().Matches(section).Select(m => m.Groups[1].Value);
    }

    private static int LastStatus(string headers) =>
        int.Parse(StatusLine().Matches(headers)[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Runs <paramref name="script"/> in bash inside a mount namespace of its own where /proc is unmounted (as root, which
    /// CI is), with <paramref name="tools"/> first on PATH.
    /// </summary>
    private static async Task<(int ExitCode, string Output, string Error)> BashAsync(string script, string statusDirectory, string tools)
    {
        var start = new ProcessStartInfo("unshare", ["--mount", "--propagation", "private", "bash", "-c",
            "umount -l /proc || { echo 'cannot unmount /proc here: unshare needs root' >&2; exit 97; }; test ! -e /proc/self || exit 98; exec bash -c \"$README_BLOCK\""])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["README_BLOCK"] = script;
        start.Environment["PATH"] = tools + ":" + start.Environment["PATH"];
        start.Environment["STATUS_DIR"] = statusDirectory;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitOrKillAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output, await error);
    }

    [GeneratedRegex("```sh\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex ShellBlock();

    [GeneratedRegex("^HTTP/[0-9.]+ ([0-9]{3})", RegexOptions.Multiline)]
    private static partial Regex StatusLine();
}
