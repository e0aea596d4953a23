using System.Security.Cryptography;
using System.Text;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary><c>sct</c> as a user meets it: clean standard output, one-line reasons, exit codes, against the real relay.</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class CliTests(RelayFixture fixture) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sct-tests-").FullName;

    private string Relay => fixture.BaseAddress.AbsoluteUri;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> SendAsync(byte[] content, params string[] options)
    {
        var sent = await Programs.SctAsync(["send", "--relay", Relay, .. options, "-"], content);
        Assert.True(sent.ExitCode == 0, sent.Error);
        return sent.LastOutputLine;
    }

    [Fact]
    public async Task Send_prints_only_the_link_and_receive_prints_only_the_content()
    {
        var content = RandomNumberGenerator.GetBytes(5000); // binary: stdout must carry exact bytes
        var file = Path.Combine(_directory, "credential.bin");
        await File.WriteAllBytesAsync(file, content);

        var sent = await Programs.SctAsync(["send", "--relay", Relay, "--title", "Door key", file]);
        Assert.Equal(0, sent.ExitCode);
        var link = Assert.Single(sent.OutputText.TrimEnd('\n').Split('\n'));
        Assert.Equal(KeySize.Aes256, ShareLink.Parse(link).Secret.KeySize);

        var received = await Programs.SctAsync(["receive", "--relay", Relay, link]);

        Assert.True(received.ExitCode == 0, received.Error);
        Assert.Equal(content, received.Output);
        Assert.Contains("deleted", received.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(ShareLink.Parse(link).Secret.ToBase64Url(), sent.Error + received.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Receive_out_writes_a_file_only_its_owner_can_read()
    {
        var link = await SendAsync("secret door code 1234"u8.ToArray(), "--aes128");
        var file = Path.Combine(_directory, "out.txt");

        var received = await Programs.SctAsync(["receive", "--relay", Relay, "--out", file, link]);

        Assert.Equal(0, received.ExitCode);
        Assert.Empty(received.Output);
        Assert.Equal("secret door code 1234", await File.ReadAllTextAsync(file));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    [Fact]
    public async Task A_wrong_secret_exits_non_zero_with_one_line_and_prints_nothing()
    {
        var link = ShareLink.Parse(await SendAsync("content"u8.ToArray()));
        var wrong = link.Location.MailboxUrl.AbsoluteUri + "#" + ShareSecret.Generate(KeySize.Aes256).ToBase64Url();

        var received = await Programs.SctAsync(["receive", "--relay", Relay, wrong]);

        Assert.Equal(1, received.ExitCode);
        Assert.Empty(received.Output);
        Assert.Single(received.Error.TrimEnd('\n').Split('\n'));
        Assert.Contains("did not verify", received.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_mailbox_exits_non_zero_with_one_line_and_prints_nothing()
    {
        var link = await SendAsync("content"u8.ToArray());
        Assert.Equal(0, (await Programs.SctAsync(["receive", "--relay", Relay, link])).ExitCode);

        var again = await Programs.SctAsync(["receive", "--relay", Relay, link]);

        Assert.Equal(1, again.ExitCode);
        Assert.Empty(again.Output);
        Assert.Single(again.Error.TrimEnd('\n').Split('\n'));
        Assert.Contains("not found", again.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_mailbox_bound_to_another_receiver_is_refused()
    {
        var link = ShareLink.Parse(await SendAsync("content"u8.ToArray()));
        using var http = new HttpClient { BaseAddress = fixture.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await ShareSession.Join(new MailboxClient(http), link).ReadAsync(); // someone else opened it first

        var received = await Programs.SctAsync(["receive", "--relay", Relay, link.Reveal()]);

        Assert.Equal(1, received.ExitCode);
        Assert.Empty(received.Output);
        Assert.Contains("refused this device", received.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_expired_mailbox_is_reported_as_gone()
    {
        var link = await SendAsync("content"u8.ToArray(), "--ttl", "1");
        var relay = new RelayClient(fixture.Relay.CreateClient());
        await Timeouts.WaitUntilAsync(async () =>
        {
            using var preview = await relay.PreviewAsync(ShareLink.Parse(link).MailboxId.ToString()); // binds no receiver
            return preview.StatusCode == System.Net.HttpStatusCode.NotFound; // expired on the relay's clock
        });

        var received = await Programs.SctAsync(["receive", "--relay", Relay, link]);

        Assert.Equal(1, received.ExitCode);
        Assert.Empty(received.Output);
        Assert.Contains("expired", received.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Content_over_the_relay_limit_is_reported_clearly()
    {
        var sent = await Programs.SctAsync(["send", "--relay", Relay, "-"], new byte[200 * 1024]);

        Assert.Equal(1, sent.ExitCode);
        Assert.Empty(sent.Output);
        Assert.Contains("too large", sent.Error, StringComparison.Ordinal);
        Assert.Contains("128 KiB", sent.Error, StringComparison.Ordinal);
        Assert.Contains("read 200 KiB", sent.Error, StringComparison.Ordinal); // progress for large input goes to stderr
    }

    [Fact]
    public async Task Preview_shows_the_display_information_without_opening_the_share()
    {
        var link = await SendAsync("content"u8.ToArray(), "--title", "Hotel Pass", "--description", "Room \u001b[31m12", "--image", "https://hotel.example/p.png");

        var preview = await Programs.SctAsync(["preview", "--relay", Relay, link]);

        Assert.Equal(0, preview.ExitCode);
        Assert.Contains("Title:       Hotel Pass", preview.OutputText, StringComparison.Ordinal);
        Assert.Contains("Description: Room [31m12", preview.OutputText, StringComparison.Ordinal); // no escape character reaches the terminal
        Assert.Contains("https://hotel.example/p.png", preview.OutputText, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes("content"), (await Programs.SctAsync(["receive", "--relay", Relay, link])).Output);
    }

    [Fact]
    public async Task The_relay_comes_from_SCT_RELAY_when_no_option_names_one()
    {
        var sent = await Programs.SctAsync(["send", "-"], "x"u8.ToArray(), new Dictionary<string, string> { ["SCT_RELAY"] = Relay });

        Assert.True(sent.ExitCode == 0, sent.Error);
        Assert.Equal("x"u8.ToArray(), (await Programs.SctAsync(["receive", "--relay", Relay, sent.LastOutputLine])).Output);
    }

    [Fact]
    public async Task Demo_runs_a_stateful_exchange_and_explains_it()
    {
        var demo = await Programs.SctAsync(["demo", "--relay", Relay]);

        Assert.True(demo.ExitCode == 0, demo.Error + demo.OutputText);
        foreach (var step in new[] { "1. SENDER", "2. RECEIVER", "3. RECEIVER", "4. RECEIVER", "5. SENDER", "6. RECEIVER", "7. RECEIVER", "404" })
        {
            Assert.Contains(step, demo.OutputText, StringComparison.Ordinal);
        }

        // Every line says its thing once: the closing line, as any other, is not printed twice (on stdout or stderr).
        var lines = (demo.OutputText + "\n" + demo.Error).Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        Assert.Single(lines, l => l.StartsWith("Done.", StringComparison.Ordinal));
        Assert.Empty(lines.GroupBy(l => l).Where(g => g.Count() > 1).Select(g => g.Key));
    }

    [Theory]
    [InlineData("send")]
    [InlineData("receive")]
    [InlineData("preview")]
    [InlineData("demo")]
    public async Task Every_command_has_help(string command)
    {
        var help = await Programs.SctAsync([command, "--help"]);

        Assert.Equal(0, help.ExitCode);
        Assert.StartsWith($"Usage: sct {command}", help.Error, StringComparison.Ordinal);
        Assert.Empty(help.Output);
    }

    [Theory]
    [InlineData("send")] // no file
    [InlineData("send", "--ttl", "soon", "-")]
    [InlineData("send", "--image", "javascript:alert(1)", "-")]
    [InlineData("send", "--bogus", "-")]
    [InlineData("receive")]
    [InlineData("frobnicate")]
    public async Task Wrong_command_lines_exit_2(params string[] args) => Assert.Equal(2, (await Programs.SctAsync(args)).ExitCode);

    [Fact]
    public async Task A_plain_http_relay_elsewhere_needs_allow_http()
    {
        var sent = await Programs.SctAsync(["send", "--relay", "http://relay.invalid/", "-"], "x"u8.ToArray());

        Assert.Equal(2, sent.ExitCode);
        Assert.Contains("--allow-http", sent.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_link_without_a_secret_is_refused_before_any_request()
    {
        var received = await Programs.SctAsync(["receive", "--relay", "http://127.0.0.1:9/", $"https://relay.example/v1/m/{Guid.NewGuid()}"]);

        Assert.Equal(1, received.ExitCode);
        Assert.Contains("no secret", received.Error, StringComparison.Ordinal);
    }
}
