using System.Diagnostics;

namespace ScTransfer.Proof.Tests;

/// <summary>Headless Debian Chromium (scripts/install-chromium.sh installs it), one fresh profile per run.</summary>
internal static class Chromium
{
    public const string Executable = "/usr/bin/chromium";

    /// <summary>The DOM after the page ran (scripts and timers get a few seconds of virtual time).</summary>
    public static Task<string> DumpDomAsync(Uri url) => RunAsync(["--dump-dom", "--virtual-time-budget=3000", url.AbsoluteUri]);

    public static Task<string> ScreenshotAsync(Uri url, string file) =>
        RunAsync([$"--screenshot={file}", "--window-size=1200,800", "--hide-scrollbars", "--virtual-time-budget=2000", url.AbsoluteUri]);

    private static async Task<string> RunAsync(string[] arguments)
    {
        Assert.True(File.Exists(Executable), $"{Executable} is missing: run scripts/install-chromium.sh (scripts/test.sh does).");
        var profile = Directory.CreateTempSubdirectory("chromium-proof-");
        try
        {
            var start = new ProcessStartInfo(Executable,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", $"--user-data-dir={profile.FullName}", .. arguments,
            ])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException("Chromium did not finish within 90 s:\n" + await stderr);
            }

            Assert.True(process.ExitCode == 0, $"Chromium exited with {process.ExitCode}:\n{await stderr}");
            return await stdout;
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
