using System.Net;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>
/// A relay with an app named for its links and no rate limits (every test here runs the whole check again), behind a
/// <see cref="WrongRelay"/> whose defects each test sets. <see cref="BaselineAsync"/> is the check of the proxy with no
/// defect, once.
/// </summary>
public sealed class WrongRelayFixture() : RelayHostFixture(new Dictionary<string, string>
{
    ["RateLimiting__Enabled"] = "false",
    ["AppLinks__AppleAppIds"] = "ABCDE12345.com.example.wallet",
    ["AppLinks__AndroidPackageName"] = "com.example.wallet",
    ["AppLinks__AndroidCertificateFingerprints"] = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5",
    ["AppLinks__AppName"] = "Example Wallet",
})
{
    private Task<CheckRunResult>? _baseline;

    public WrongRelay Proxy { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Proxy = await WrongRelay.StartAsync(BaseAddress);
    }

    public override async Task DisposeAsync()
    {
        if (Proxy is not null)
        {
            await Proxy.DisposeAsync();
        }

        await base.DisposeAsync();
    }

    /// <summary>The options of every run here: links name the relay's public URL; the expiry case is left out (it only waits).</summary>
    public static string[] Options => ["--link-base", "https://relay.test.example/", "--skip-slow"];

    public Task<CheckRunResult> BaselineAsync()
    {
        Proxy.Defects = RelayDefect.None;
        return _baseline ??= CheckRunResult.StartAsync(Proxy.BaseAddress, Options);
    }
}

/// <summary>
/// Against a relay made wrong in one controlled way at a time, <c>sct check</c> reports the defect as the case that
/// checks it, and only as that case: every other case ends as it ends with no defect. Every mailbox the check made is
/// gone afterwards, though cases failed; nothing the check sent (claims, tokens, payloads) reaches its report, even from
/// a relay that repeats it; a certificate a device would refuse stops the check before anything is sent.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class CheckCatchesDefectsTests(WrongRelayFixture fixture) : IClassFixture<WrongRelayFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sct-check-").FullName;

    public void Dispose()
    {
        fixture.Proxy.Defects = RelayDefect.None;
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Through_the_proxy_with_no_defect_every_case_that_applies_passes()
    {
        var baseline = await fixture.BaselineAsync();

        Assert.True(baseline.ExitCode == 0, baseline.ToString());
        Assert.Equal([25, 26, 27, 35], baseline.Skipped);
        await AssertEveryMailboxMadeIsGoneAsync();
    }

    [Theory]
    [InlineData(RelayDefect.DuplicateCreateAnswers200, new[] { 2, 3 })]
    [InlineData(RelayDefect.NoCorrelationEcho, new[] { 18, 20 })] // the reference client refuses an answer without the echo, so its transfer fails too
    [InlineData(RelayDefect.AppleFileAsText, new[] { 33 })]
    [InlineData(RelayDefect.AndroidFileRedirected, new[] { 34 })]
    [InlineData(RelayDefect.NoHsts, new[] { 29 })]
    [InlineData(RelayDefect.ForeignLinkBase, new[] { 28 })]
    [InlineData(RelayDefect.SecondReceiverAdmitted, new[] { 11 })]
    [InlineData(RelayDefect.ServerVersion, new[] { 32 })]
    [InlineData(RelayDefect.ScriptOnPages, new[] { 31 })]
    [InlineData(RelayDefect.PlainTextErrors, new[] { 36 })]
    [InlineData(RelayDefect.ThrottledWithoutRetryAfter, new[] { 35 })]
    public async Task Each_defect_fails_the_case_that_checks_it_and_no_other(RelayDefect defect, int[] cases)
    {
        var baseline = await fixture.BaselineAsync();
        Assert.Empty(baseline.Failed.Intersect(cases)); // without the defect these cases pass

        fixture.Proxy.Defects = defect;
        var check = await CheckRunResult.StartAsync(fixture.Proxy.BaseAddress, WrongRelayFixture.Options);

        Assert.True(check.ExitCode == 1, check.ToString());
        Assert.True(check.Failed.SetEquals(baseline.Failed.Union(cases)), $"{defect}: {check}");
        foreach (var number in cases)
        {
            Assert.False(string.IsNullOrWhiteSpace(check.Case(number).GetProperty("expected").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(check.Case(number).GetProperty("actual").GetString()));
        }

        await AssertEveryMailboxMadeIsGoneAsync();
    }

    [Fact]
    public async Task The_failures_say_what_was_expected_and_what_came_back()
    {
        fixture.Proxy.Defects = RelayDefect.NoHsts | RelayDefect.AndroidFileRedirected | RelayDefect.SecondReceiverAdmitted;

        var check = await CheckRunResult.StartAsync(fixture.Proxy.BaseAddress, [.. WrongRelayFixture.Options, "--case", "11,29,34"]);

        Assert.Equal([11, 29, 34], check.Failed);
        Assert.Equal("401 to a second receiver's read (the mailbox is bound to the first)", check.Case(11).GetProperty("expected").GetString());
        Assert.StartsWith("200 (application/json", check.Case(11).GetProperty("actual").GetString(), StringComparison.Ordinal);
        Assert.Contains("no Strict-Transport-Security", check.Case(29).GetProperty("actual").GetString(), StringComparison.Ordinal);
        Assert.Equal("301 to /.well-known/assetlinks-v2.json", check.Case(34).GetProperty("actual").GetString());
    }

    [Fact]
    public async Task Nothing_the_check_sent_reaches_its_report_even_from_a_relay_that_repeats_it()
    {
        fixture.Proxy.Defects = RelayDefect.RefusalsEchoTheClaim | RelayDefect.SecondReceiverAdmitted;
        var junit = Path.Combine(_directory, "check.xml");

        var json = await CheckRunResult.StartAsync(fixture.Proxy.BaseAddress, [.. WrongRelayFixture.Options, "--junit", junit]);
        var text = await Programs.SctAsync(["check", fixture.Proxy.BaseAddress.AbsoluteUri, .. WrongRelayFixture.Options]).DefaultTimeout(TimeSpan.FromMinutes(5));

        Assert.Equal(1, json.ExitCode);
        Assert.Contains("deviceClaim <claim> is not allowed here", text.OutputText, StringComparison.Ordinal); // the relay's words, redacted
        var everything = json.Run.OutputText + json.Run.Error + text.OutputText + text.Error + await File.ReadAllTextAsync(junit);
        Assert.NotEmpty(fixture.Proxy.SecretsSent);
        foreach (var secret in fixture.Proxy.SecretsSent)
        {
            Assert.DoesNotContain(secret, everything, StringComparison.OrdinalIgnoreCase);
        }

        await AssertEveryMailboxMadeIsGoneAsync();
    }

    [Fact]
    public async Task A_certificate_that_does_not_verify_fails_its_case_and_nothing_else_is_sent_unless_trusted()
    {
        using var authority = TestCertificateAuthority.Create();
        using var certificate = authority.IssueForLoopback();
        await using var https = await WrongRelay.StartAsync(fixture.BaseAddress, certificate);
        var root = Path.Combine(_directory, "root.pem");
        authority.WriteRootPem(root);

        var untrusted = await CheckRunResult.StartAsync(https.BaseAddress, [.. WrongRelayFixture.Options, "--case", "1,26"]);
        var trusted = await CheckRunResult.StartAsync(https.BaseAddress, [.. WrongRelayFixture.Options, "--case", "1,26", "--ca-certificate", root]);

        Assert.Equal(1, untrusted.ExitCode);
        Assert.Equal([26], untrusted.Failed);
        Assert.Contains("does not verify", untrusted.Case(26).GetProperty("actual").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("nothing was sent", untrusted.Case(1).GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, untrusted.SummaryNumber("requests"));

        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Matches("^TLS 1\\.[23]; certificate issued by CN=sct check test root; valid until .* \\(2\\d days left\\)$", trusted.Case(26).GetProperty("note").GetString());
    }

    [Fact]
    public async Task An_interrupted_check_exits_130_and_still_deletes_every_mailbox_it_made()
    {
        using var interrupt = new CancellationTokenSource();
        var made = fixture.Proxy.MailboxesMade.Count;
        var run = Programs.SctAsync(["check", fixture.Proxy.BaseAddress.AbsoluteUri, .. WrongRelayFixture.Options], cancellationToken: interrupt.Token);
        await Timeouts.WaitUntilAsync(() => fixture.Proxy.MailboxesMade.Count >= made + 5 || run.IsCompleted);
        await interrupt.CancelAsync();

        var interrupted = await run.DefaultTimeout(TimeSpan.FromMinutes(2));

        Assert.True(interrupted.ExitCode == 130, interrupted.OutputText + interrupted.Error);
        Assert.Contains("(interrupted)", interrupted.OutputText, StringComparison.Ordinal);
        await AssertEveryMailboxMadeIsGoneAsync();
    }

    /// <summary>Every mailbox the relay made through the proxy answers 404 now, asked of the relay itself.</summary>
    private async Task AssertEveryMailboxMadeIsGoneAsync()
    {
        using var http = fixture.Relay.CreateClient();
        foreach (var mailbox in fixture.Proxy.MailboxesMade)
        {
            using var answer = await http.GetAsync($"v1/m/{mailbox:D}").DefaultTimeout();
            Assert.True(answer.StatusCode == HttpStatusCode.NotFound, $"mailbox {mailbox:D} still answers {(int)answer.StatusCode}");
        }
    }
}
