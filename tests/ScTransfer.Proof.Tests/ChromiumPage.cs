using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using ScTransfer.Testing;

namespace ScTransfer.Proof.Tests;

/// <summary>
/// One page in headless Chromium (<see cref="Chromium.Executable"/>), driven over the DevTools protocol: opened at a
/// phone's viewport (390 × 844 CSS pixels at 2×, a touch screen, Chrome on Android's User-Agent), or a desktop's
/// (1280 × 800, Chrome on Windows), then asked what a person sees there
/// (<c>document.body.innerText</c>, which leaves out what CSS hides), what the DOM holds, and for a screenshot. The
/// questions run in DevTools, not in the page: the page's Content-Security-Policy (no script) still applies to it.
/// </summary>
internal sealed partial class ChromiumPage : IAsyncDisposable
{
    private readonly Process _browser;
    private readonly DirectoryInfo _profile;
    private readonly ClientWebSocket _socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonElement>> _pending = new();
    private readonly ConcurrentQueue<(string Method, JsonElement Params)> _events = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _receiving = Task.CompletedTask;
    private string _session = "";
    private int _nextId;

    private ChromiumPage(Process browser, DirectoryInfo profile)
    {
        _browser = browser;
        _profile = profile;
    }

    private const string PhoneUserAgent =
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

    private const string DesktopUserAgent =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    /// <summary>Opens <paramref name="url"/> at a phone's viewport (a desktop's) and returns once its load event fired.</summary>
    public static async Task<ChromiumPage> OpenAsync(Uri url, bool desktop = false)
    {
        Assert.True(File.Exists(Chromium.Executable), $"{Chromium.Executable} is missing: run scripts/install-chromium.sh (scripts/test.sh does).");
        var profile = Directory.CreateTempSubdirectory("chromium-page-");
        var start = new ProcessStartInfo(Chromium.Executable,
        [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run", "--hide-scrollbars", $"--user-data-dir={profile.FullName}", "--remote-debugging-port=0", "about:blank",
        ])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        var page = new ChromiumPage(Process.Start(start)!, profile);
        try
        {
            await page.ConnectAsync(desktop);
            await page.NavigateAsync(url);
            return page;
        }
        catch
        {
            await page.DisposeAsync();
            throw;
        }
    }

    /// <summary>The text a person sees: <c>innerText</c> of the body, without what CSS hides.</summary>
    public async Task<string> VisibleTextAsync() => (await EvaluateAsync("document.body.innerText")).GetString()!;

    /// <summary>Runs <paramref name="expression"/> in DevTools against the page and returns its value.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true });
        Assert.False(result.TryGetProperty("exceptionDetails", out var error), $"{expression}: {error}");
        return result.GetProperty("result").TryGetProperty("value", out var value) ? value.Clone() : default;
    }

    /// <summary>A PNG of the viewport, at the device's pixel ratio (780 × 1688 pixels).</summary>
    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new JsonObject { ["format"] = "png" });
        return Convert.FromBase64String(result.GetProperty("data").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            _browser.Kill(entireProcessTree: true);
            await _browser.WaitForExitAsync().DefaultTimeout();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        await _receiving.ContinueWith(_ => { }, TaskScheduler.Default).DefaultTimeout();
        _socket.Dispose();
        _browser.Dispose();
        _stop.Dispose();
        _profile.Delete(recursive: true);
    }

    private async Task ConnectAsync(bool desktop)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        string? endpoint = null;
        while (endpoint is null)
        {
            var line = await _browser.StandardError.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException("Chromium exited before it opened its DevTools endpoint.");
            endpoint = DevToolsLine().Match(line) is { Success: true } match ? match.Groups[1].Value : null;
        }

        _ = _browser.StandardError.ReadToEndAsync(CancellationToken.None); // keep draining
        _ = _browser.StandardOutput.ReadToEndAsync(CancellationToken.None);
        await _socket.ConnectAsync(new Uri(endpoint), timeout.Token);
        _receiving = ReceiveAsync();

        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, browserLevel: true);
        var attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target.GetProperty("targetId").GetString(), ["flatten"] = true }, browserLevel: true);
        _session = attached.GetProperty("sessionId").GetString()!;
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject
        {
            ["width"] = desktop ? 1280 : 390,
            ["height"] = desktop ? 800 : 844,
            ["deviceScaleFactor"] = desktop ? 1 : 2,
            ["mobile"] = !desktop,
        });
        await SendAsync("Emulation.setTouchEmulationEnabled", new JsonObject { ["enabled"] = !desktop, ["maxTouchPoints"] = desktop ? 1 : 5 });
        // The page's request carries it too: the relay leaves phone-only actions off a desktop's page.
        await SendAsync("Emulation.setUserAgentOverride", new JsonObject { ["userAgent"] = desktop ? DesktopUserAgent : PhoneUserAgent });
        await SendAsync("Page.enable", []);
    }

    private async Task NavigateAsync(Uri url)
    {
        _events.Clear();
        var navigated = await SendAsync("Page.navigate", new JsonObject { ["url"] = url.AbsoluteUri });
        Assert.False(navigated.TryGetProperty("errorText", out var error), $"{url}: {error}");
        await Timeouts.WaitUntilAsync(() => _events.Any(e => e.Method == "Page.loadEventFired"), TimeSpan.FromSeconds(60), () => $"{url} did not finish loading");
    }

    private async Task<JsonElement> SendAsync(string method, JsonObject parameters, bool browserLevel = false)
    {
        var id = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (!browserLevel)
        {
            message["sessionId"] = _session;
        }

        await _socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, endOfMessage: true, _stop.Token);
        return await answer.Task.DefaultTimeout(TimeSpan.FromSeconds(60), $"Chromium's answer to {method}");
    }

    private async Task ReceiveAsync()
    {
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        while (!_stop.IsCancellationRequested && _socket.State == WebSocketState.Open)
        {
            var received = await _socket.ReceiveAsync(buffer, _stop.Token);
            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage)
            {
                continue;
            }

            using var json = JsonDocument.Parse(message.ToArray());
            message.SetLength(0);
            var root = json.RootElement;
            if (root.TryGetProperty("id", out var id) && _pending.TryRemove(id.GetInt32(), out var answer))
            {
                if (root.TryGetProperty("error", out var error))
                {
                    answer.SetException(new InvalidOperationException("DevTools: " + error));
                }
                else
                {
                    answer.SetResult(root.GetProperty("result").Clone());
                }
            }
            else if (root.TryGetProperty("method", out var method))
            {
                _events.Enqueue((method.GetString()!, root.TryGetProperty("params", out var p) ? p.Clone() : default));
            }
        }
    }

    [GeneratedRegex("DevTools listening on (ws://\\S+)")]
    private static partial Regex DevToolsLine();
}
