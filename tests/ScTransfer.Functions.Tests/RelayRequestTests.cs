using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using ScTransfer.Relay.Configuration;
using ScTransfer.Functions.Http;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The request helpers (<see cref="RelayRequest"/>) in process: the device claim header in every spelling, the
/// mailbox identifier in the path, and the JSON body's media type and size limit.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayRequestTests
{
    private const string Claim = "0b8f6f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

    private static readonly RelayOptions Options = new();

    private readonly RelayRequest _requests = new(Microsoft.Extensions.Options.Options.Create(Options));

    [Theory]
    [InlineData("deviceClaim")]
    [InlineData("Mailbox-Device-Claim")]
    [InlineData("Device-Claim")]
    [InlineData("DEVICECLAIM")]
    public void A_claim_is_read_from_every_spelling(string name)
    {
        var http = HttpResultRunner.NewContext();
        http.Request.Headers[name] = Claim;

        Assert.True(RelayRequest.TryGetDeviceClaim(http.Request, out var claim, out var problem));
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

        Assert.True(RelayRequest.TryGetDeviceClaim(http.Request, out _, out _));
    }

    [Fact]
    public async Task A_missing_claim_is_400_naming_the_header()
    {
        var http = HttpResultRunner.NewContext();

        Assert.False(RelayRequest.TryGetDeviceClaim(http.Request, out _, out var problem));
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

        Assert.False(RelayRequest.TryGetDeviceClaim(http.Request, out _, out var problem));
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
            Assert.False(RelayRequest.TryGetDeviceClaim(http.Request, out _, out var problem));
            var (status, detail) = await HttpResultRunner.RunAsync(problem);
            Assert.Equal(400, status);
            Assert.Contains("Send one 'deviceClaim' header", detail, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("0b8f6f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b", true)]
    [InlineData("0B8F6F7E-1C2D-4E5F-8A9B-0C1D2E3F4A5B", true)]
    [InlineData("0b8f6f7e1c2d4e5f8a9b0c1d2e3f4a5b", false)]
    [InlineData("{0b8f6f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b}", false)]
    [InlineData("latest", false)]
    [InlineData(null, false)]
    public async Task The_mailbox_identifier_in_the_path_must_be_a_hyphenated_UUID(string? route, bool valid)
    {
        Assert.Equal(valid, RelayRequest.TryGetMailboxId(route, out var id, out var problem));
        if (valid)
        {
            Assert.Equal(Guid.Parse(route!), id.Value);
        }
        else
        {
            Assert.Equal(400, (await HttpResultRunner.RunAsync(problem!)).Status);
        }
    }

    private static HttpRequest Body(string? contentType, byte[] body, bool declareLength = true)
    {
        var http = HttpResultRunner.NewContext();
        http.Request.ContentType = contentType;
        http.Request.Body = new MemoryStream(body);
        if (declareLength)
        {
            http.Request.ContentLength = body.Length;
        }

        return http.Request;
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON; charset=UTF-8")]
    public async Task A_JSON_body_is_read_whole(string contentType)
    {
        var json = Encoding.UTF8.GetBytes("""{"a":1}""");

        using var body = await _requests.ReadJsonBodyAsync(Body(contentType, json), default);

        Assert.Null(body.Error);
        Assert.Equal(json, body.Memory.ToArray());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=utf-16")]
    public async Task A_body_that_is_not_UTF8_JSON_by_its_content_type_is_415(string? contentType)
    {
        using var body = await _requests.ReadJsonBodyAsync(Body(contentType, "{}"u8.ToArray()), default);

        Assert.Equal(415, body.Error?.Status);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // chunked: no declared length, reading stops one byte past the limit
    public async Task A_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413(bool declareLength)
    {
        var limit = Options.MaxRequestBodyBytes;

        using var atLimit = await _requests.ReadJsonBodyAsync(Body("application/json", new byte[limit], declareLength), default);
        using var over = await _requests.ReadJsonBodyAsync(Body("application/json", new byte[limit + 1], declareLength), default);

        Assert.Null(atLimit.Error);
        Assert.Equal(limit, atLimit.Memory.Length);
        Assert.Equal(413, over.Error?.Status);
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_before_anything_is_read()
    {
        var request = Body("application/json", new byte[16]);
        request.ContentLength = Options.MaxRequestBodyBytes + 1L;

        using var body = await _requests.ReadJsonBodyAsync(request, default);

        Assert.Equal(413, body.Error?.Status);
        Assert.Equal(0, request.Body.Position);
    }
}
