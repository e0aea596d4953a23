using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Primitives;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The request helpers (<see cref="RelayRequest"/>) in process: the device claim header in every spelling, the
/// mailbox identifier in the path, and the JSON body's media type and size limit.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayRequestTests : IDisposable
{
    private const string Claim = "0b8f6f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

    private static readonly RelayOptions Options = new();

    private readonly RefusalRecorder _recorder = new();
    private readonly RelayRequest _requests;

    public RelayRequestTests() => _requests = Reader(_recorder);

    public void Dispose() => _recorder.Dispose();

    private static RelayRequest Reader(RefusalRecorder recorder, RateLimitingOptions? limits = null) => new(
        Microsoft.Extensions.Options.Options.Create(Options), Microsoft.Extensions.Options.Options.Create(limits ?? new RateLimitingOptions()),
        recorder.Refusals);

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
    [InlineData("0B8F6F7E-1C2D-4E5F-BA9B-0C1D2E3F4A5B", true)]
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
        Assert.False(RelayRequest.TryGetMailboxId(route, out _, out var problem));

        var (status, detail) = await HttpResultRunner.RunAsync(problem);
        Assert.Equal(400, status);
        Assert.Contains("version 4", detail, StringComparison.Ordinal);
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
    [InlineData("application/json; charset=\"utf-8\"")] // a quoted-string means the same (RFC 9110 §5.6.6)
    [InlineData("application/json;charset=\"UTF-8\"")]
    [InlineData("application/json; charset=\"utf\\-8\"")] // a quoted-pair is the character itself
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
    [InlineData("application/json; charset=\"utf-16\"")]
    [InlineData("application/json; charset=latin1")]
    [InlineData("text/json; charset=\"utf-8\"")]
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

    [Fact]
    public async Task Oversize_bodies_are_counted_as_size_refusals_whether_the_reader_or_the_parser_finds_them()
    {
        var request = Body("application/json", new byte[16]);
        request.ContentLength = Options.MaxRequestBodyBytes + 1L;
        var (_, declared) = await _requests.ReadJsonAsync<string>(request, NeverCalled, default);
        var (_, parsed) = await _requests.ReadJsonAsync<string>(Body("application/json", "{}"u8.ToArray()), TooLargeByTheParser, default);
        var (_, malformed) = await _requests.ReadJsonAsync<string>(Body("text/plain", "{}"u8.ToArray()), NeverCalled, default);

        Assert.Equal(413, (await HttpResultRunner.RunAsync(declared!)).Status);
        Assert.Equal(413, (await HttpResultRunner.RunAsync(parsed!)).Status);
        Assert.Equal(415, (await HttpResultRunner.RunAsync(malformed!)).Status);
        Assert.Equal(2, _recorder.Counted(RefusalReason.TooLarge)); // a 415 is the client's mistake, not a refusal

        static bool NeverCalled(ReadOnlyMemory<byte> body, out string? value, out ProtocolError? error) => throw new InvalidOperationException("not parsed");

        static bool TooLargeByTheParser(ReadOnlyMemory<byte> body, out string? value, out ProtocolError? error)
        {
            value = null;
            error = ProtocolError.TooLarge("'payload.data' may decode to at most 1 byte.");
            return false;
        }
    }

    [Fact]
    public async Task Kestrel_is_told_the_bound_on_the_bodys_time_and_a_body_it_cuts_off_is_408_closing_the_connection()
    {
        var reader = Reader(_recorder, new RateLimitingOptions { BodyTimeout = TimeSpan.FromSeconds(20) });
        var http = HttpResultRunner.NewContext();
        var rate = new MinDataRateFeature();
        http.Features.Set<IHttpMinRequestBodyDataRateFeature>(rate);
        http.Request.ContentType = "application/json";
        http.Request.ContentLength = 150_000;
        http.Request.Body = new CutOffBody();

        var refusal = await reader.BufferBodyAsync(http);

        // After 20 s a body must have brought MaxRequestBodyBytes·t/20 s bytes, more than any body may have: 20 s in all.
        Assert.Equal(TimeSpan.FromSeconds(20), rate.MinDataRate!.GracePeriod);
        Assert.Equal(Options.MaxRequestBodyBytes / 20.0, rate.MinDataRate.BytesPerSecond, 3);
        var (status, detail) = await HttpResultRunner.RunAsync(refusal!, http);
        Assert.Equal(408, status);
        Assert.Contains("within 20 seconds", detail, StringComparison.Ordinal);
        Assert.Equal("close", http.Response.Headers.Connection.ToString());
        Assert.Equal(1, _recorder.Counted(RefusalReason.BodyTooSlow));
    }

    [Fact]
    public async Task A_body_that_arrives_in_time_is_put_back_whole_for_the_function()
    {
        var json = """{"a":1}"""u8.ToArray();
        var http = HttpResultRunner.NewContext();
        http.Request.ContentType = "application/json";
        http.Request.ContentLength = json.Length;
        http.Request.Body = new MemoryStream(json);

        Assert.Null(await _requests.BufferBodyAsync(http));
        using var body = await _requests.ReadJsonBodyAsync(http.Request, default);

        Assert.Equal(json, body.Memory.ToArray());
        Assert.Equal(0, _recorder.Counted(RefusalReason.BodyTooSlow));
    }

    private sealed class MinDataRateFeature : IHttpMinRequestBodyDataRateFeature
    {
        public MinDataRate? MinDataRate { get; set; }
    }

    /// <summary>A body whose read fails as Kestrel's fails it once the minimum data rate is not met.</summary>
    private sealed class CutOffBody() : MemoryStream(new byte[16])
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new Microsoft.AspNetCore.Http.BadHttpRequestException("Reading the request body timed out due to data arriving too slowly.", StatusCodes.Status408RequestTimeout);
    }
}
