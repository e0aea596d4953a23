using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace ScTransfer.Testing;

/// <summary>
/// The Azure Functions host emulator (not part of this project): <c>FUNCTIONS_HOST_EMULATOR</c>, else
/// <c>../shared/tools/functions-host</c> beside the repository, as CI lays it out. Its folder may be read-only, so it is
/// built the way its run.sh builds it: the sources copied into
/// <c>${XDG_CACHE_HOME:-~/.cache}/functions-host-emulator/emulator-&lt;hash of the sources&gt;</c> and built there once,
/// under run.sh's lock file, so a test run and run.sh share one build.
/// </summary>
public static class FunctionsHostEmulator
{
    public const string Variable = "FUNCTIONS_HOST_EMULATOR";

    private static readonly Lazy<Task<string>> Dll = new(BuildAsync);

    /// <summary>The emulator's folder, or null where there is none.</summary>
    public static string? Directory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(Variable);
            var path = string.IsNullOrWhiteSpace(configured)
                ? Path.GetFullPath(Path.Combine(Repository.Root, "..", "shared", "tools", "functions-host"))
                : Path.GetFullPath(configured);
            return File.Exists(Path.Combine(path, "FunctionsHost.csproj")) ? path : null;
        }
    }

    /// <summary>FunctionsHost.dll, built once per test run (and once per source version across runs).</summary>
    public static Task<string> GetDllAsync() => Dll.Value;

    private static async Task<string> BuildAsync()
    {
        var source = Directory ?? throw new InvalidOperationException(
            $"No Functions host emulator: set {Variable} or put shared/tools/functions-host beside the repository ({Repository.Root}/../shared).");
        var files = Sources(source);
        var cacheHome = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var cache = Path.Combine(cacheHome, "functions-host-emulator");
        System.IO.Directory.CreateDirectory(cache);
        var emulator = Path.Combine(cache, "emulator-" + Key(source, files));
        var dll = Path.Combine(emulator, "out", "bin", "FunctionsHost", "release", "FunctionsHost.dll");
        var complete = Path.Combine(emulator, ".complete");
        if (File.Exists(complete) && File.Exists(dll))
        {
            return dll;
        }

        // run.sh takes flock on this file; .NET's FileShare.None takes the same advisory lock on Linux.
        using var lockFile = await OpenExclusiveAsync(Path.Combine(cache, ".lock"), TimeSpan.FromMinutes(10));
        if (File.Exists(complete) && File.Exists(dll))
        {
            return dll; // built meanwhile
        }

        if (System.IO.Directory.Exists(emulator))
        {
            System.IO.Directory.Delete(emulator, recursive: true);
        }

        foreach (var file in files)
        {
            var target = Path.Combine(emulator, "src", file[2..]);
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(Path.Combine(source, file[2..]), target);
            if (!OperatingSystem.IsWindows())
            {
                // CI's shared/ has no write bits, and a copy keeps them: the copy is ours to build in and to delete.
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
        }

        var build = new ProcessStartInfo("dotnet",
            ["build", Path.Combine(emulator, "src", "FunctionsHost.csproj"), "-c", "Release", "--artifacts-path", Path.Combine(emulator, "out")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(build)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitOrKillAsync(TimeSpan.FromMinutes(10)); // about 30 s on 2 cores; a restore may take longer
        await File.WriteAllTextAsync(Path.Combine(emulator, "build.log"), await output + await error);
        if (process.ExitCode != 0 || !File.Exists(dll))
        {
            throw new InvalidOperationException($"The Functions host emulator does not build (log: {emulator}/build.log):\n{await output}");
        }

        await File.WriteAllTextAsync(complete, "");
        return dll;
    }

    /// <summary>run.sh's list: every .cs, .csproj, .props and .targets outside bin/ and obj/, as "./path", sorted bytewise.</summary>
    private static List<string> Sources(string root) =>
        System.IO.Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(path => "./" + Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => part is "bin" or "obj"))
            .Where(path => path.EndsWith(".cs", StringComparison.Ordinal) || path.EndsWith(".csproj", StringComparison.Ordinal)
                || path.EndsWith(".props", StringComparison.Ordinal) || path.EndsWith(".targets", StringComparison.Ordinal))
            .OrderBy(path => path, StringComparer.Ordinal)
            .ToList();

    /// <summary>run.sh's key: sha256 of "== ./path\n" + contents for each file, first 16 hex digits.</summary>
    private static string Key(string root, List<string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"== {file}\n"));
            hash.AppendData(File.ReadAllBytes(Path.Combine(root, file[2..])));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static async Task<FileStream> OpenExclusiveAsync(string path, TimeSpan timeout)
    {
        FileStream? opened = null;
        await Timeouts.WaitUntilAsync(() => (opened = TryOpen()) is not null, timeout, () => $"{path} is still held by another test process");
        return opened!;

        FileStream? TryOpen()
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                return null;
            }
        }
    }
}
