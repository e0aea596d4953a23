using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>
/// The relay's responses. They write straight to the response with <see cref="Utf8JsonWriter"/> (no MVC formatters,
/// no reflection), so both hosts produce byte-identical answers.
/// </summary>
public static class RelayResults
{
    public static IActionResult Problem(ProtocolError error) => new ProblemResult(error, retryAfterSeconds: null);

    public static IActionResult Unavailable(int retryAfterSeconds) => new ProblemResult(
        new ProtocolError(503, "Storage is unavailable", "The relay cannot reach its storage right now; nothing was changed. Retry after the Retry-After delay."),
        retryAfterSeconds);

    /// <summary>429 from the rate limits: nothing was read or stored; retry after <paramref name="retryAfterSeconds"/>.</summary>
    public static IActionResult TooManyRequests(int retryAfterSeconds, string detail) =>
        new ProblemResult(new ProtocolError(429, "Too many requests", detail), retryAfterSeconds);

    public static IActionResult Status(int status) => new StatusResult(status);

    /// <summary>
    /// A JSON answer written by <paramref name="write"/>; <paramref name="noStore"/> for secure content;
    /// <paramref name="sizeHint"/> the expected size in bytes, so a large answer is not copied through growing buffers.
    /// </summary>
    public static IActionResult Json(int status, Action<Utf8JsonWriter> write, bool noStore = false, int sizeHint = 512) =>
        new JsonWriterResult(status, write, noStore, sizeHint);

    public static IActionResult Html(string html, string contentSecurityPolicy) => new HtmlResult(html, contentSecurityPolicy);

    /// <summary>A UTF-8 text document served as it is stored, e.g. the OpenAPI description.</summary>
    public static IActionResult Document(ReadOnlyMemory<byte> utf8, string mediaType) => new DocumentResult(utf8, mediaType);

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false, SkipValidation = true };

    private sealed class JsonWriterResult(int status, Action<Utf8JsonWriter> write, bool noStore, int sizeHint) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
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
            await response.Body.WriteAsync(buffer.WrittenMemory, context.HttpContext.RequestAborted);
        }
    }

    /// <summary>RFC 9457 problem details. The detail says what to fix; it never repeats what the client sent.</summary>
    private sealed class ProblemResult(ProtocolError error, int? retryAfterSeconds) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
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
            await response.Body.WriteAsync(buffer.WrittenMemory, context.HttpContext.RequestAborted);
        }
    }

    private sealed class StatusResult(int status) : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            context.HttpContext.Response.StatusCode = status;
            context.HttpContext.Response.ContentLength = 0;
            return Task.CompletedTask;
        }
    }

    private sealed class DocumentResult(ReadOnlyMemory<byte> utf8, string mediaType) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = 200;
            response.ContentType = mediaType + "; charset=utf-8";
            response.ContentLength = utf8.Length;
            await response.Body.WriteAsync(utf8, context.HttpContext.RequestAborted);
        }
    }

    private sealed class HtmlResult(string html, string contentSecurityPolicy) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = 200;
            response.ContentType = "text/html; charset=utf-8";
            response.Headers.ContentSecurityPolicy = contentSecurityPolicy;
            response.Headers["X-Robots-Tag"] = "noindex, nofollow";
            response.Headers.CacheControl = "no-store";
            // Encoded straight into the response's pipe: no intermediate byte array of the page.
            response.ContentLength = Encoding.UTF8.GetByteCount(html);
            await response.WriteAsync(html, Encoding.UTF8, context.HttpContext.RequestAborted);
        }
    }
}
