using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;
using ScTransfer.Cli.Check;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>
/// <c>sct check</c>'s cases as docs/cli.md lists them, and its pacing: what a run may cost a relay, in process.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed partial class CheckCatalogTests
{
    [Fact]
    public void Cases_are_numbered_one_to_n_and_each_cites_its_reason()
    {
        var cases = CheckRun.Catalog();

        Assert.Equal(Enumerable.Range(1, cases.Count), cases.Select(c => c.Number));
        Assert.All(cases, c => Assert.False(string.IsNullOrWhiteSpace(c.Reference), $"case {c.Number} cites nothing"));
    }

    [Fact]
    public void Docs_cli_md_lists_every_case_by_its_number_and_name()
    {
        var rows = CaseRow().Matches(File.ReadAllText(Path.Combine(Repository.Root, "docs", "cli.md")))
            .ToDictionary(m => int.Parse(m.Groups["number"].Value), m => m.Groups["name"].Value);

        Assert.Equal(CheckRun.Catalog().ToDictionary(c => c.Number, c => c.Name), rows);
    }

    [Fact]
    public async Task The_pacer_spends_at_most_half_of_the_relays_default_create_bucket()
    {
        var time = new FakeTimeProvider();
        var pacer = new Pacer(time);
        var relayTokens = 60.0; // the relay's create bucket: 60 at once, then 1 a second (docs/security.md)
        var start = time.GetUtcNow();
        var at = start;

        for (var create = 0; create < 100; create++)
        {
            var wait = pacer.WaitAsync(Pacer.RequestClass.Create, CancellationToken.None);
            while (!wait.IsCompleted)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
            }

            await wait;
            relayTokens = Math.Min(60, relayTokens + (time.GetUtcNow() - at).TotalSeconds) - 1;
            at = time.GetUtcNow();
            Assert.True(relayTokens >= 29, $"after {create + 1} creates the relay's bucket holds {relayTokens:0.#}");
        }

        Assert.InRange(time.GetUtcNow() - start, TimeSpan.FromSeconds(139), TimeSpan.FromSeconds(142)); // 30 at once, then one every 2 s
    }

    [Theory]
    [InlineData("POST", "v1/m", "Create")]
    [InlineData("GET", "v1/m/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "Read")]
    [InlineData("POST", "v1/m/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "Read")]
    [InlineData("PUT", "v1/m/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "Write")]
    [InlineData("PATCH", "v1/m/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "Write")]
    [InlineData("DELETE", "relay/v1/m/4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f", "Write")]
    [InlineData("GET", ".well-known/assetlinks.json", "Unlimited")]
    public void Each_request_counts_against_the_relays_bucket_for_it(string method, string path, string expected)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(new Uri("https://relay.example/"), path));

        Assert.Equal(expected, Pacer.ClassOf(request).ToString());
    }

    [Fact]
    public void The_redactor_replaces_every_secret_it_was_given_in_any_case()
    {
        var redactor = new Redactor();
        var claim = redactor.Secret(Guid.NewGuid(), "<claim>");

        Assert.Equal("deviceClaim <claim> and <claim>", redactor.Clean($"deviceClaim {claim:D} and {claim.ToString("D").ToUpperInvariant()}"));
    }

    [GeneratedRegex(@"^\| (?<number>\d+) \| (?<name>[^|]+?) \|", RegexOptions.Multiline)]
    private static partial Regex CaseRow();
}
