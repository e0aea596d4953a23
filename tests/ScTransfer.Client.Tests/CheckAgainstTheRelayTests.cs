using System.Xml.Linq;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>
/// A relay as deployed: default rate limits, and an app named for its links (AppLinks__*), so that every case applies.
/// Its share links name its public URL, https://relay.test.example, as a relay behind a front end does.
/// </summary>
public sealed class DeployedRelayFixture() : RelayHostFixture(new Dictionary<string, string>
{
    ["AppLinks__AppleAppIds"] = "ABCDE12345.com.example.wallet",
    ["AppLinks__AndroidPackageName"] = "com.example.wallet",
    ["AppLinks__AndroidCertificateFingerprints"] = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5",
    ["AppLinks__AppName"] = "Example Wallet",
})
{
    public const string PublicUrl = "https://relay.test.example/";
}

/// <summary>
/// <c>sct check</c> passes against the relay on the host this run uses (RELAY_TEST_HOST: the self-hosted runner, or the
/// Functions worker under the host emulator; scripts/test.sh runs this class on both), within the default rate limits,
/// and deletes every mailbox it made.
/// </summary>
[Trait(Needs.Trait, Needs.Relay)]
public sealed class CheckAgainstTheRelayTests(DeployedRelayFixture fixture) : IClassFixture<DeployedRelayFixture>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sct-check-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Every_case_passes_within_the_default_rate_limits_and_every_mailbox_made_is_deleted()
    {
        var junit = Path.Combine(_directory, "check.xml");

        var check = await CheckRunResult.StartAsync(fixture.BaseAddress, ["--link-base", DeployedRelayFixture.PublicUrl, "--expiry-ttl", "8", "--junit", junit]);

        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Empty(check.Failed);
        // Over plain http the TLS cases do not apply, and a run that stays under the limits never sees a 429 to check.
        Assert.Equal([26, 27, 35], check.Skipped);
        Assert.Equal(0, check.SummaryNumber("throttled"));
        Assert.InRange(check.SummaryNumber("requests"), 50, check.SummaryNumber("maxRequests"));
        Assert.True(check.SummaryNumber("mailboxesMade") > 15, check.ToString());
        Assert.Equal(check.SummaryNumber("mailboxesMade"), check.SummaryNumber("mailboxesDeleted"));

        var suites = XDocument.Load(junit).Root!;
        Assert.Equal(check.Cases.Count(), (int)suites.Attribute("tests")!);
        Assert.Equal("0", suites.Attribute("failures")!.Value);
        Assert.Equal(3, suites.Descendants("skipped").Count());
    }
}
