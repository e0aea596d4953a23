using System.Diagnostics;
using System.Reflection;
using System.Text.Json.Nodes;
using ScTransfer.Testing;

namespace ScTransfer.Infra.Tests;

/// <summary>The Bicep CLI restored from NuGet (Azure.Bicep.CommandLine.linux-x64), and infra/main.bicep compiled once.</summary>
public static class Bicep
{
    public static string MainFile { get; } = Path.Combine(Repository.Root, "infra", "main.bicep");

    public static string CliPath { get; } = FindCli();

    private static readonly Lazy<JsonObject> Compiled = new(() =>
    {
        var build = Run("build", MainFile, "--stdout");
        Assert.True(build.ExitCode == 0, "bicep build failed:\n" + build.Error);
        return JsonNode.Parse(build.Output)!.AsObject();
    });

    /// <summary>The ARM template of infra/main.bicep, nested module templates included.</summary>
    public static JsonObject MainTemplate => Compiled.Value;

    public static BicepResult Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(CliPath, arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Repository.Root,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill();
            throw new TimeoutException("bicep " + string.Join(' ', arguments) + " did not finish in 2 minutes.");
        }

        return new BicepResult(process.ExitCode, output.Result, error.Result);
    }

    private static string FindCli()
    {
        var path = typeof(Bicep).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BicepPath").Value!;
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The Bicep CLI is not at {path}: restore tests/ScTransfer.Infra.Tests (PackageDownload).");
        }

        // NuGet extracts package files without the execute bit. (The package is linux-x64 only.)
        if (OperatingSystem.IsLinux() && !File.GetUnixFileMode(path).HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }
}

public sealed record BicepResult(int ExitCode, string Output, string Error)
{
    /// <summary>Diagnostics of any level: Bicep reports type errors (BCP...) as warnings with exit code 0.</summary>
    public IReadOnlyList<string> Diagnostics { get; } = (Output + "\n" + Error)
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(line => line.Contains(" : Warning ", StringComparison.Ordinal)
            || line.Contains(" : Error ", StringComparison.Ordinal)
            || line.Contains(" : Info ", StringComparison.Ordinal))
        .ToList();
}
