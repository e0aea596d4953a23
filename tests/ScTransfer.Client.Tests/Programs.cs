using System.Diagnostics;
using System.Text;
using ScTransfer.Cli;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>What one run of a program left behind.</summary>
public sealed record RunResult(int ExitCode, byte[] Output, string Error)
{
    public string OutputText => Encoding.UTF8.GetString(Output);

    public string LastOutputLine => OutputText.TrimEnd('\n').Split('\n')[^1];
}

/// <summary>Runs <c>sct</c> in-process through its entry method, and <c>node</c> scripts as real processes.</summary>
public static class Programs
{
    public static async Task<RunResult> SctAsync(string[] args, byte[]? input = null, IDictionary<string, string>? environment = null,
        CancellationToken cancellationToken = default)
    {
        using var stdin = new MemoryStream(input ?? []);
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        var console = new SctConsole(stdin, stdout, stderr, name => environment?.TryGetValue(name, out var value) == true ? value : null);
        var exit = await Sct.RunAsync(args, console, cancellationToken);
        return new RunResult(exit, stdout.ToArray(), stderr.ToString());
    }

    public static async Task<RunResult> NodeAsync(string script, string[] args, byte[]? input = null)
    {
        var start = new ProcessStartInfo("node", [Path.Combine(Repository.Root, "tests", "interop", script), .. args])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        await process.StandardInput.BaseStream.WriteAsync(input ?? []);
        process.StandardInput.Close();
        using var stdout = new MemoryStream();
        var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitOrKillAsync(TimeSpan.FromSeconds(60));
        await copy;
        return new RunResult(process.ExitCode, stdout.ToArray(), await error);
    }
}
