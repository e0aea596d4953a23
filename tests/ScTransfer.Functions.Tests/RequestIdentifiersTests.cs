using Microsoft.Extensions.Primitives;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The identifiers a request names (<see cref="RequestIdentifiers"/>), in process: the device claim header in every
/// spelling and the mailbox identifier in the path.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RequestIdentifiersTests
{
    private const string Claim = "0b8f6f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

    [Theory]
    [InlineData("deviceClaim")]
    [InlineData("Mailbox-Device-Claim")]
    [InlineData("Device-Claim")]
    [InlineData("DEVICECLAIM")]
    public void A_claim_is_read_from_every_spelling(string name)
    {
        var http = HttpResultRunner.NewContext();
        http.Request.Headers[name] = Claim;

        Assert.True(RequestIdentifiers.TryGetDeviceClaim(http.Request, out var claim, out var problem));
        Assert.Null(problem);
        Assert.True(DeviceClaim.TryParse(Claim, out var expected));
        Assert.Equal(expected, claim);
    }

    [Fact]
    public void The_first_spelling_present_wins()
    {
        var http = HttpResultRunner.NewContext();
        http.Request.Headers["deviceClaim"] = Claim;
        http.Request.Headers["Device-Claim"] = "not-a-uuid";

        Assert.True(RequestIdentifiers.TryGetDeviceClaim(http.Request, out _, out _));
    }

    [Fact]
    public async Task A_missing_claim_is_400_naming_the_header()
    {
        var http = HttpResultRunner.NewContext();

        Assert.False(RequestIdentifiers.TryGetDeviceClaim(http.Request, out _, out var problem));
        var (status, detail) = await HttpResultRunner.RunAsync(problem);
        Assert.Equal(400, status);
        Assert.Contains("deviceClaim", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("")]
    [InlineData("0b8f6f7e1c2d4e5f8a9b0c1d2e3f4a5b0")]
    public async Task A_malformed_claim_is_400_asking_for_a_UUID(string value)
    {
        var http = HttpResultRunner.NewContext();
        http.Request.Headers["deviceClaim"] = value;

        Assert.False(RequestIdentifiers.TryGetDeviceClaim(http.Request, out _, out var problem));
        var (status, detail) = await HttpResultRunner.RunAsync(problem);
        Assert.Equal(400, status);
        Assert.Contains("UUID", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_claim_lines_or_one_comma_joined_value_as_the_Functions_host_sends_them_are_ambiguous()
    {
        var twoLines = HttpResultRunner.NewContext();
        twoLines.Request.Headers["deviceClaim"] = new StringValues([Claim, Claim]);
        var joined = HttpResultRunner.NewContext();
        joined.Request.Headers["deviceClaim"] = Claim + ", " + Claim;

        foreach (var http in new[] { twoLines, joined })
        {
            Assert.False(RequestIdentifiers.TryGetDeviceClaim(http.Request, out _, out var problem));
            var (status, detail) = await HttpResultRunner.RunAsync(problem);
            Assert.Equal(400, status);
            Assert.Contains("Send one 'deviceClaim' header", detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("0b8f6f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", true)]
    [InlineData("0B8F6F7E-1C2D-4E5F-BA9B-0C1D2E3F4A5B", true)]
    [InlineData("0b8f6f7e1c2d4e5f8a9b0c1d2e3f4a5b", false)]
    [InlineData("{0b8f6f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b}", false)]
    [InlineData("latest", false)]
    [InlineData(null, false)]
    public async Task The_mailbox_identifier_in_the_path_must_be_a_hyphenated_UUID(string? route, bool valid)
    {
        Assert.Equal(valid, RequestIdentifiers.TryGetMailboxId(route, out var id, out var problem));
        if (valid)
        {
            Assert.Equal(Guid.Parse(route!), id.Value);
        }
        else
        {
            Assert.Equal(400, (await HttpResultRunner.RunAsync(problem!)).Status);
        }
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000")] // the nil UUID
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff")] // the max UUID
    [InlineData("c232ab00-9414-11ec-b3c8-9f6bdeced846")] // version 1 (RFC 9562 Appendix A.1)
    [InlineData("5df41881-3aed-3515-88a7-2f4a814cf09e")] // version 3
    [InlineData("017f22e2-79b0-7cc3-98c4-dc0c0c07398f")] // version 7 (RFC 9562 Appendix A.6)
    [InlineData("0b8f6f7e-1c2d-4e5f-ca9b-0c1d2e3f4a5b")] // version nibble 4 but variant 110x (Microsoft's)
    [InlineData("0b8f6f7e-1c2d-4e5f-0a9b-0c1d2e3f4a5b")] // version nibble 4 but variant 0xxx (NCS)
    public async Task A_UUID_that_is_not_version_4_is_400_saying_so(string route)
    {
        Assert.False(RequestIdentifiers.TryGetMailboxId(route, out _, out var problem));

        var (status, detail) = await HttpResultRunner.RunAsync(problem);
        Assert.Equal(400, status);
        Assert.Contains("version 4", detail, StringComparison.Ordinal);
    }
}
