using System.Runtime.InteropServices;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Http;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Functions.Tests;

/// <summary>
/// The body, read once (<see cref="RequestBodyReader"/>), in process: the pipeline's step that reads it whole within the
/// size and time limits, and the functions' parse from that buffer with its media-type check.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RequestBodyReaderTests : IDisposable
{
    private static readonly RelayOptions Options = new();

    private readonly RefusalRecorder _recorder = new();
    private readonly RequestBodyReader _bodies;

    public RequestBodyReaderTests() => _bodies = Reader(_recorder);

    public void Dispose() => _recorder.Dispose();

    private static RequestBodyReader Reader(RefusalRecorder recorder, RateLimitingOptions? limits = null) => new(
        Microsoft.Extensions.Options.Options.Create(Options), Microsoft.Extensions.Options.Options.Create(limits ?? new RateLimitingOptions()),
        recorder.Refusals);

    private static HttpContext Request(string? contentType, byte[] body, bool declareLength = true)
    {
        var http = HttpResultRunner.NewContext();
        http.Request.ContentType = contentType;
        http.Request.Body = new MemoryStream(body);
        if (declareLength)
        {
            http.Request.ContentLength = body.Length;
        }

        // As Kestrel says it: a declared length over 0, or a chunked body.
        http.Features.Set<IHttpRequestBodyDetectionFeature>(new BodyDetection(!declareLength || body.Length > 0));
        http.Features.Set(new RelayRequestFeature(null));
        return http;
    }

    /// <summary>The pipeline's step: null when the body was read whole into the request's feature, else the refusal.</summary>
    private Task<IResult?> BufferAsync(HttpContext http, RequestBodyReader? bodies = null) =>
        (bodies ?? _bodies).BufferAsync(http, RelayRequestFeature.Of(http.Request));

    private static ReadOnlyMemory<byte> BodyOf(HttpContext http) => RelayRequestFeature.Of(http.Request).Body.Memory;

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("Application/JSON; charset=UTF-8")]
    [InlineData("application/json; charset=\"utf-8\"")] // a quoted-string means the same (RFC 9110 §5.6.6)
    [InlineData("application/json;charset=\"UTF-8\"")]
    [InlineData("application/json; charset=\"utf\\-8\"")] // a quoted-pair is the character itself
    public async Task A_JSON_body_is_read_whole_and_parsed(string contentType)
    {
        var json = Encoding.UTF8.GetBytes("""{"a":1}""");
        var http = Request(contentType, json);

        Assert.Null(await BufferAsync(http));
        Assert.True(_bodies.TryParseJson<byte[]>(http.Request, Copy, out var parsed, out var problem));

        Assert.Null(problem);
        Assert.Equal(json, parsed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=utf-16")]
    [InlineData("application/json; charset=\"utf-16\"")]
    [InlineData("application/json; charset=latin1")]
    [InlineData("text/json; charset=\"utf-8\"")]
    public async Task A_body_that_is_not_UTF8_JSON_by_its_content_type_is_415_and_not_parsed(string? contentType)
    {
        var http = Request(contentType, "{}"u8.ToArray());

        Assert.Null(await BufferAsync(http));
        Assert.False(_bodies.TryParseJson<string>(http.Request, NeverCalled, out _, out var problem));

        Assert.Equal(415, (await HttpResultRunner.RunAsync(problem)).Status);
    }

    [Fact]
    public async Task The_function_parses_the_very_buffer_the_pipeline_read()
    {
        var json = """{"a":1}"""u8.ToArray();
        var http = Request("application/json", json);
        ArraySegment<byte> parsed = default;

        Assert.Null(await BufferAsync(http));
        _bodies.TryParseJson<string>(http.Request, (ReadOnlyMemory<byte> body, out string? value, out ProtocolError? error) =>
        {
            Assert.True(MemoryMarshal.TryGetArray(body, out parsed));
            value = "parsed";
            error = null;
            return true;
        }, out _, out _);

        Assert.True(MemoryMarshal.TryGetArray(BodyOf(http), out var buffered));
        Assert.Same(buffered.Array, parsed.Array); // no second copy
        Assert.Equal(json, parsed.ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // chunked: no declared length, reading stops one byte past the limit
    public async Task A_body_of_exactly_the_limit_is_read_and_one_byte_more_is_413(bool declareLength)
    {
        var limit = Options.MaxRequestBodyBytes;
        var atLimit = Request("application/json", new byte[limit], declareLength);
        var over = Request("application/json", new byte[limit + 1], declareLength);

        Assert.Null(await BufferAsync(atLimit));
        var refused = await BufferAsync(over);

        Assert.Equal(limit, BodyOf(atLimit).Length);
        Assert.Equal(413, (await HttpResultRunner.RunAsync(refused!)).Status);
        Assert.Equal(0, BodyOf(over).Length);
    }

    [Fact]
    public async Task A_declared_length_over_the_limit_is_refused_before_anything_is_read()
    {
        var http = Request("application/json", new byte[16]);
        http.Request.ContentLength = Options.MaxRequestBodyBytes + 1L;

        var refused = await BufferAsync(http);

        Assert.Equal(413, (await HttpResultRunner.RunAsync(refused!)).Status);
        Assert.Equal(0, http.Request.Body.Position);
    }

    [Fact]
    public async Task Oversize_bodies_are_counted_as_size_refusals_whether_the_reader_or_the_parser_finds_them()
    {
        var declared = Request("application/json", new byte[16]);
        declared.Request.ContentLength = Options.MaxRequestBodyBytes + 1L;
        var parsed = Request("application/json", "{}"u8.ToArray());
        var malformed = Request("text/plain", "{}"u8.ToArray());

        var byTheReader = await BufferAsync(declared);
        Assert.Null(await BufferAsync(parsed));
        Assert.False(_bodies.TryParseJson<string>(parsed.Request, TooLargeByTheParser, out _, out var byTheParser));
        Assert.Null(await BufferAsync(malformed));
        Assert.False(_bodies.TryParseJson<string>(malformed.Request, NeverCalled, out _, out var notJson));

        Assert.Equal(413, (await HttpResultRunner.RunAsync(byTheReader!)).Status);
        Assert.Equal(413, (await HttpResultRunner.RunAsync(byTheParser)).Status);
        Assert.Equal(415, (await HttpResultRunner.RunAsync(notJson)).Status);
        Assert.Equal(2, _recorder.Counted(RefusalReason.TooLarge)); // a 415 is the client's mistake, not a refusal

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
        var http = Request("application/json", new byte[150_000]);
        var rate = new MinDataRateFeature();
        http.Features.Set<IHttpMinRequestBodyDataRateFeature>(rate);
        http.Request.Body = new CutOffBody();

        var refusal = await BufferAsync(http, reader);

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
    public async Task A_request_without_a_body_reads_nothing_and_parses_as_empty()
    {
        var http = Request("application/json", []);
        byte[]? parsed = null;

        Assert.Null(await BufferAsync(http));
        _bodies.TryParseJson<byte[]>(http.Request, (ReadOnlyMemory<byte> body, out byte[]? value, out ProtocolError? error) =>
        {
            parsed = body.ToArray();
            value = null;
            error = ProtocolError.BadRequest("empty");
            return false;
        }, out _, out _);

        Assert.Same(BufferedBody.Empty, RelayRequestFeature.Of(http.Request).Body);
        Assert.Empty(parsed!);
    }

    private static bool Copy(ReadOnlyMemory<byte> body, out byte[]? value, out ProtocolError? error)
    {
        value = body.ToArray();
        error = null;
        return true;
    }

    private static bool NeverCalled(ReadOnlyMemory<byte> body, out string? value, out ProtocolError? error) => throw new InvalidOperationException("not parsed");

    private sealed class BodyDetection(bool canHaveBody) : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => canHaveBody;
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
