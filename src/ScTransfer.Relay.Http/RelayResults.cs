using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>
/// The relay's responses, as <see cref="IResult"/> written with <see cref="Utf8JsonWriter"/>, so both hosts produce
/// byte-identical answers (docs/design.md, "Two hosts, one set of functions").
/// </summary>
internal static class RelayResults
{
    public static IResult Problem(ProtocolError error) => new ProblemResult(error, retryAfterSeconds: null);

    public static IResult Unavailable(int retryAfterSeconds) => new ProblemResult(
        new ProtocolError(503, "Storage is unavailable", "The relay cannot reach its storage right now; nothing was changed. Retry after the Retry-After delay."),
        retryAfterSeconds);

    /// <summary>429 from the rate limits: nothing was read or stored; retry after <paramref name="retryAfterSeconds"/>.</summary>
    public static IResult TooManyRequests(int retryAfterSeconds, string detail) =>
        new ProblemResult(new ProtocolError(429, "Too many requests", detail), retryAfterSeconds);

    public static IResult Status(int status) => new StatusResult(status);

    /// <summary>
    /// A JSON answer written by <paramref name="write"/>; <paramref name="noStore"/> for secure content;
    /// <paramref name="sizeHint"/> the expected size in bytes, so a large answer is not copied through growing buffers.
    /// </summary>
    public static IResult Json(int status, Action<Utf8JsonWriter> write, bool noStore = false, int sizeHint = 512) =>
        new JsonWriterResult(status, write, noStore, sizeHint);

    public static IResult Html(HtmlPage page) => new HtmlResult(page);

    /// <summary>
    /// A UTF-8 text document served as it is held, e.g. the OpenAPI description, or an association file with
    /// <paramref name="cacheControl"/>.
    /// </summary>
    public static IResult Document(ReadOnlyMemory<byte> utf8, string mediaType, string? cacheControl = null) =>
        new DocumentResult(utf8, mediaType, cacheControl);

    /// <summary>
    /// The encoder of every JSON answer: relaxed, so <c>'</c> and <c>§</c> read as written; safe only for JSON served with
    /// <c>nosniff</c>, never in HTML (docs/design.md, "Two hosts, one set of functions").
    /// </summary>
    internal static readonly JavaScriptEncoder JsonEncoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping;

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true, Encoder = JsonEncoder };

    private sealed class JsonWriterResult(int status, Action<Utf8JsonWriter> write, bool noStore, int sizeHint) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = status;
            response.ContentType = "application/json; charset=utf-8";
            if (noStore)
            {
                response.Headers.CacheControl = "no-store";
            }

            var buffer = new ArrayBufferWriter<byte>(Math.Max(sizeHint, 64));
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                write(writer);
            }

            response.ContentLength = buffer.WrittenCount;
            await WriteBodyAsync(httpContext, buffer.WrittenMemory);
        }
    }

    /// <summary>RFC 9457 problem details. The detail says what to fix; it never repeats what the client sent.</summary>
    private sealed class ProblemResult(ProtocolError error, int? retryAfterSeconds) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = error.Status;
            response.ContentType = "application/problem+json; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            if (retryAfterSeconds is { } seconds)
            {
                response.Headers[RelayHeaders.RetryAfter] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
            {
                writer.WriteStartObject();
                writer.WriteString("type", "about:blank");
                writer.WriteString("title", error.Title);
                writer.WriteNumber("status", error.Status);
                writer.WriteString("detail", error.Detail);
                writer.WriteEndObject();
            }

            response.ContentLength = buffer.WrittenCount;
            await WriteBodyAsync(httpContext, buffer.WrittenMemory);
        }
    }

    /// <summary>
    /// The body, except for HEAD (RFC 9110 §9.3.2): the same status and headers as GET, Content-Length included,
    /// and no content.
    /// </summary>
    private static ValueTask WriteBodyAsync(HttpContext httpContext, ReadOnlyMemory<byte> body) =>
        HttpMethods.IsHead(httpContext.Request.Method) ? ValueTask.CompletedTask : httpContext.Response.Body.WriteAsync(body, httpContext.RequestAborted);

    private sealed class StatusResult(int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentLength = 0;
            return Task.CompletedTask;
        }
    }

    private sealed class DocumentResult(ReadOnlyMemory<byte> utf8, string mediaType, string? cacheControl) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = 200;
            response.ContentType = mediaType + "; charset=utf-8";
            if (cacheControl is not null)
            {
                response.Headers.CacheControl = cacheControl;
            }

            response.ContentLength = utf8.Length;
            await WriteBodyAsync(httpContext, utf8);
        }
    }

    private sealed class HtmlResult(HtmlPage page) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = page.Status;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.ContentSecurityPolicy = page.ContentSecurityPolicy;
            response.Headers["X-Robots-Tag"] = "noindex, nofollow";
            response.Headers.CacheControl = "no-store";
            // Encoded straight into the response's pipe: no intermediate byte array of the page.
            response.ContentLength = Encoding.UTF8.GetByteCount(page.Html);
            if (!HttpMethods.IsHead(httpContext.Request.Method))
            {
                await response.WriteAsync(page.Html, Encoding.UTF8, httpContext.RequestAborted);
            }
        }
    }
}
