using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>
/// A request's body, read once: whole, into a pooled buffer, by <see cref="RelayHttpPipeline"/> before the function runs
/// (<see cref="BufferAsync"/>), and parsed from that buffer by the functions that take JSON (<see cref="TryParseJson"/>).
/// </summary>
public sealed class RequestBodyReader(IOptions<RelayOptions> options, IOptions<RateLimitingOptions> limits, RelayRefusals refusals)
{
    private readonly int _maxBody = options.Value.MaxRequestBodyBytes;
    private readonly TimeSpan _bodyTimeout = limits.Value.BodyTimeout;

    /// <summary>Parses a body that was read whole: the request, or the error that names what to fix (MailboxRequestParser).</summary>
    public delegate bool BodyParser<T>(ReadOnlyMemory<byte> body, out T? value, out ProtocolError? error);

    /// <summary>
    /// Parses the body the pipeline read (<see cref="RelayRequestFeature.Body"/>) with <paramref name="parse"/>: the
    /// request, or the problem to answer with instead: 415 unless the body is UTF-8 JSON by its media type, else the
    /// parser's error (a size refusal counted, <see cref="RelayRefusals"/>).
    /// </summary>
    public bool TryParseJson<T>(HttpRequest request, BodyParser<T> parse, [NotNullWhen(true)] out T? value, [NotNullWhen(false)] out IResult? problem)
        where T : class
    {
        value = null;
        if (!IsJson(request.ContentType))
        {
            problem = RelayResults.Problem(ProtocolError.UnsupportedMediaType());
            return false;
        }

        if (!parse(RelayRequestFeature.Of(request).Body.Memory, out var parsed, out var error))
        {
            Count(error!);
            problem = RelayResults.Problem(error!);
            return false;
        }

        value = parsed!;
        problem = null;
        return true;
    }

    /// <summary>
    /// Run by <see cref="RelayHttpPipeline"/> before the request takes its place under the instance's ceiling: a body the
    /// request carries is read whole into <see cref="RelayRequestFeature.Body"/> (returned to the pool with the request),
    /// so a slow upload holds only its own client's places. A declared length over <see cref="RelayOptions.MaxRequestBodyBytes"/>
    /// is refused before reading, and reading stops one byte past it. Null to go on, else the refusal to answer with
    /// (counted): 413, 408 once <see cref="RateLimitingOptions.BodyTimeout"/> has passed (closing the connection, RFC 9110
    /// §15.5.9), or 400 for a body whose framing is malformed.
    /// </summary>
    internal async Task<IResult?> BufferAsync(HttpContext http, RelayRequestFeature feature)
    {
        var request = http.Request;
        if (!(http.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? request.ContentLength > 0))
        {
            return null;
        }

        if (http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            // Kestrel's own rate check, as a bound on the body's total time: the read fails once BodyTimeout has passed
            // unless MaxRequestBodyBytes·t/BodyTimeout bytes have arrived by then, more than any body may have. Kestrel
            // then ends the connection itself (cancelling the read here instead leaves its body reader in a state its
            // drain after the answer fails on). A stalled body therefore waits BodyTimeout, not the global 5 s grace.
            rate.MinDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(_maxBody / _bodyTimeout.TotalSeconds, _bodyTimeout);
        }

        var (body, error) = await ReadAsync(request, http.RequestAborted);
        if (error is not null)
        {
            Count(error);
            if (error.Status == StatusCodes.Status408RequestTimeout)
            {
                http.Response.Headers.Connection = "close";
            }

            return RelayResults.Problem(error);
        }

        http.Response.RegisterForDispose(body!); // the buffer goes back to the pool once the request is over
        feature.Body = body!;
        return null;
    }

    private async Task<(BufferedBody? Body, ProtocolError? Error)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > _maxBody)
        {
            return (null, TooLarge());
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(request.ContentLength ?? 4096, _maxBody) + 1);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > _maxBody)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return (null, TooLarge());
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, _maxBody + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > _maxBody)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return (null, TooLarge());
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's minimum data rate: the bound BufferAsync set, or Kestrel's global one.
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, TooSlow());
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, TooLarge());
        }
        catch (IOException ex) when (ex is not BadHttpRequestException)
        {
            // Kestrel reports some malformed framing (a chunk size that overflows) as a plain IOException rather than
            // BadHttpRequestException; it is the client's error all the same, not the relay's.
            ArrayPool<byte>.Shared.Return(buffer);
            return (null, ProtocolError.BadRequest("The request body could not be read: its framing is malformed."));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return (new BufferedBody(buffer, length), null);
    }

    /// <summary>Counts a refusal the reader or the parser made (the other errors are the client's mistakes, not refusals).</summary>
    private void Count(ProtocolError error)
    {
        switch (error.Status)
        {
            case StatusCodes.Status413PayloadTooLarge:
                refusals.Refused(RefusalReason.TooLarge);
                break;
            case StatusCodes.Status408RequestTimeout:
                refusals.Refused(RefusalReason.BodyTooSlow);
                break;
        }
    }

    private ProtocolError TooSlow() => new(
        StatusCodes.Status408RequestTimeout, "The request body came too slowly",
        $"The body must arrive whole within {_bodyTimeout.TotalSeconds:0} seconds of the request; nothing was changed. Send the request again.");

    private ProtocolError TooLarge() =>
        ProtocolError.TooLarge($"The body may be at most {_maxBody} bytes (payloads at most {options.Value.MaxPayloadBytes} bytes decoded).");

    /// <summary>
    /// <c>application/json</c> with no charset or UTF-8's. A parameter value may be a token or a quoted-string with the
    /// same meaning (RFC 9110 §5.6.6: <c>charset="utf-8"</c> is <c>charset=utf-8</c>), and charset names are
    /// case-insensitive (RFC 9110 §8.3.2).
    /// </summary>
    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (!media.Charset.HasValue
            || HeaderUtilities.UnescapeAsQuotedString(media.Charset).Equals("utf-8", StringComparison.OrdinalIgnoreCase));
}

/// <summary>A request body read whole into a pooled buffer, which goes back to the pool when this is disposed (with the request).</summary>
internal sealed class BufferedBody(byte[] buffer, int length) : IDisposable
{
    private int _returned;

    /// <summary>No body: nothing rented.</summary>
    public static BufferedBody Empty { get; } = new([], 0);

    /// <summary>The body's bytes, valid until this is disposed.</summary>
    public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);

    public void Dispose()
    {
        if (buffer.Length > 0 && Interlocked.Exchange(ref _returned, 1) == 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
