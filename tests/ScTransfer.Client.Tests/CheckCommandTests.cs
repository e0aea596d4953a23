using System.Net;
using System.Net.Sockets;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>
/// <c>sct check</c>'s command line against the suite's relay, which names no app for its links: what is skipped and
/// why, what leaves state alone, a relay that does not answer, and wrong command lines.
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class CheckCommandTests(RelayFixture fixture)
{
    private static readonly string[] LinkBase = ["--link-base", "https://relay.test.example"];

    [Fact]
    public async Task Without_app_links_the_association_file_cases_are_skipped_saying_why()
    {
        var check = await CheckRunResult.StartAsync(fixture.BaseAddress, [.. LinkBase, "--case", "33,34"]);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Equal([33, 34], check.Skipped);
        Assert.Contains("names no iOS app for its links (on this project's relay: AppLinks__AppleAppIds is not set)",
            check.Case(33).GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("AppLinks__AndroidPackageName is not set", check.Case(34).GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skipping_state_changes_leaves_out_every_case_that_writes_after_creating_and_the_rest_passes()
    {
        var check = await CheckRunResult.StartAsync(fixture.BaseAddress, [.. LinkBase, "--skip-state-changes", "--skip-slow"]);

        Assert.True(check.ExitCode == 0, check.ToString());
        // 35 (the shape of a 429 or 503) runs only if one came back: this relay is shared with the collection's other tests.
        Assert.Equal([2, 3, 4, 7, 13, 14, 15, 16, 17, 18, 22, 24, 25, 26, 27, 33, 34], check.Skipped.Where(n => n != 35));
        Assert.All(new[] { 2, 3, 4, 7, 13, 14, 15, 16, 17, 18, 22, 24 },
            number => Assert.StartsWith("--skip-state-changes", check.Case(number).GetProperty("reason").GetString(), StringComparison.Ordinal));
        Assert.Equal(check.SummaryNumber("mailboxesMade"), check.SummaryNumber("mailboxesDeleted"));
    }

    [Fact]
    public async Task A_relay_that_does_not_answer_is_an_error_and_every_case_is_skipped()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop(); // nothing listens there now

        var check = await CheckRunResult.StartAsync(new Uri($"http://127.0.0.1:{port}/"), ["--skip-slow"]);

        Assert.Equal(1, check.ExitCode);
        Assert.StartsWith($"the relay at http://127.0.0.1:{port}/ did not answer", check.Report.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Empty(check.Failed);
        Assert.All(check.Cases.Where(c => c.GetProperty("number").GetInt32() != 26),
            c => Assert.Equal("the relay did not answer", c.GetProperty("reason").GetString()));
    }

    [Theory]
    [InlineData("--case", "99")]
    [InlineData("--expiry-ttl", "0")]
    [InlineData("--max-requests", "lots")]
    [InlineData("--link-base", "relay.example")]
    public async Task A_wrong_option_exits_2_saying_what_to_fix(string option, string value)
    {
        var run = await Programs.SctAsync(["check", fixture.BaseAddress.AbsoluteUri, option, value]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(option, run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Output);
    }

    [Fact]
    public async Task A_plain_http_relay_off_this_machine_needs_allow_http()
    {
        var run = await Programs.SctAsync(["check", "http://relay.example/"]);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--allow-http", run.Error, StringComparison.Ordinal);
    }
}
