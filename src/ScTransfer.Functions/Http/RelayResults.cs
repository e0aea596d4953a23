using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Functions.Http;

/// <summary>
/// The relay's responses, as <see cref="IResult"/>: the Functions worker's ASP.NET Core integration executes a function's
/// IResult (FunctionsHttpProxyingMiddleware), the self-hosted runner calls <see cref="IResult.ExecuteAsync"/> itself. They
/// write straight to the response with <see cref="Utf8JsonWriter"/> (no formatters, no reflection), so both hosts
/// produce byte-identical answers.
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

    public static IResult Html(string html, string contentSecurityPolicy) => new HtmlResult(html, contentSecurityPolicy);

    /// <summary>A UTF-8 text document served as it is stored, e.g. the OpenAPI description.</summary>
    public static IResult Document(ReadOnlyMemory<byte> utf8, string mediaType) => new DocumentResult(utf8, mediaType);

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true };

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
            await response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
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
            await response.Body.WriteAsync(buffer.WrittenMemory, httpContext.RequestAborted);
        }
    }

    private sealed class StatusResult(int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentLength = 0;
            return Task.CompletedTask;
        }
    }

    private sealed class DocumentResult(ReadOnlyMemory<byte> utf8, string mediaType) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = 200;
            response.ContentType = mediaType + "; charset=utf-8";
            response.ContentLength = utf8.Length;
            await response.Body.WriteAsync(utf8, httpContext.RequestAborted);
        }
    }

    private sealed class HtmlResult(string html, string contentSecurityPolicy) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            var response = httpContext.Response;
            response.StatusCode = 200;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.ContentSecurityPolicy = contentSecurityPolicy;
            response.Headers["X-Robots-Tag"] = "noindex, nofollow";
            response.Headers.CacheControl = "no-store";
            // Encoded straight into the response's pipe: no intermediate byte array of the page.
            response.ContentLength = Encoding.UTF8.GetByteCount(html);
            await response.WriteAsync(html, Encoding.UTF8, httpContext.RequestAborted);
        }
    }
}
