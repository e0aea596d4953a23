using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>Reads what a function needs from a request, answering a clear problem when it is missing or malformed.</summary>
public sealed class RelayRequest(IOptions<RelayOptions> options, IOptions<RateLimitingOptions> limits, RelayRefusals refusals)
{
    internal const string CorrelationItem = "ScTransfer.CorrelationId";
    private readonly int _maxBody = options.Value.MaxRequestBodyBytes;
    private readonly TimeSpan _bodyTimeout = limits.Value.BodyTimeout;

    /// <summary>Parses a body that was read whole: the request, or the error that names what to fix (MailboxRequestParser).</summary>
    public delegate bool BodyParser<T>(ReadOnlyMemory<byte> body, out T? value, out ProtocolError? error);

    /// <summary>The validated Mailbox-Correlation-ID (any spelling), or null when the client sent none.</summary>
    public static string? CorrelationId(HttpRequest request) => request.HttpContext.Items[CorrelationItem] as string;

    public static bool TryGetDeviceClaim(HttpRequest request, out DeviceClaim claim, [NotNullWhen(false)] out IResult? problem)
    {
        claim = default;
        problem = null;
        foreach (var name in RelayHeaders.DeviceClaim)
        {
            if (!request.Headers.TryGetValue(name, out var values) || values.Count == 0)
            {
                continue;
            }

            if (values.Count == 1 && DeviceClaim.TryParse(values[0], out claim))
            {
                return true;
            }

            // The Functions host joins repeated headers into one value ("a, b"); a UUID has no comma, so a comma means
            // several claims there as on the self-hosted runner.
            problem = RelayResults.Problem(ProtocolError.BadRequest(values.Count > 1 || values.ToString().Contains(',', StringComparison.Ordinal)
                ? $"Send one '{name}' header: several claims in one request are ambiguous."
                : $"The '{name}' header must be a UUID (8-4-4-4-12 hexadecimal digits)."));
            return false;
        }

        problem = RelayResults.Problem(ProtocolError.BadRequest(
            "The 'deviceClaim' header is required: a UUID this device generated for this share."));
        return false;
    }

    public static bool TryGetMailboxId(string? routeValue, out MailboxId id, [NotNullWhen(false)] out IResult? problem)
    {
        problem = null;
        if (MailboxId.TryParse(routeValue, out id))
        {
            return true;
        }

        problem = RelayResults.Problem(ProtocolError.BadRequest($"The mailbox identifier in the path must be {MailboxId.Requirement}."));
        return false;
    }

    /// <summary>
    /// Reads the JSON body (<see cref="ReadJsonBodyAsync"/>) and parses it with <paramref name="parse"/>: the request, or
    /// the problem to answer with instead. A size refusal (413) of either step is counted (<see cref="RelayRefusals"/>).
    /// </summary>
    public async Task<(T? Value, IResult? Problem)> ReadJsonAsync<T>(HttpRequest request, BodyParser<T> parse, CancellationToken cancellationToken)
        where T : class
    {
        using var body = await ReadJsonBodyAsync(request, cancellationToken);
        if (body.Error is { } error || !parse(body.Memory, out var value, out error))
        {
            Count(error!);
            return (null, RelayResults.Problem(error!));
        }

        return (value, null);
    }

    /// <summary>
    /// Reads a JSON body of at most <see cref="RelayOptions.MaxRequestBodyBytes"/>: a declared length over the limit is
    /// refused before reading, reading stops one byte past the limit, and a body Kestrel cut off as too slow is 408.
    /// Behind <see cref="RelayHttpPipeline"/> the body is already in memory (<see cref="BufferBodyAsync"/>). Dispose the
    /// result to return its buffer.
    /// </summary>
    public async Task<RequestBody> ReadJsonBodyAsync(HttpRequest request, CancellationToken cancellationToken) =>
        IsJson(request.ContentType)
            ? await ReadBodyAsync(request, cancellationToken)
            : new RequestBody(ProtocolError.UnsupportedMediaType());

    /// <summary>
    /// Run by <see cref="RelayHttpPipeline"/> before the request takes its place under the instance's ceiling: a body the
    /// request carries is read whole (within the size limit and <see cref="RateLimitingOptions.BodyTimeout"/>) and put
    /// back as the request's body, in memory, so a slow upload holds only its own client's places. Null to go on, else
    /// the refusal to answer with (counted): 413, 408 (closing the connection, RFC 9110 §15.5.9), or 400 for a body whose
    /// framing is malformed.
    /// </summary>
    internal async Task<IResult?> BufferBodyAsync(HttpContext http)
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

        var body = await ReadBodyAsync(request, http.RequestAborted);
        if (body.Error is { } error)
        {
            Count(error);
            if (error.Status == StatusCodes.Status408RequestTimeout)
            {
                http.Response.Headers.Connection = "close";
            }

            return RelayResults.Problem(error);
        }

        http.Response.RegisterForDispose(body); // the buffer goes back to the pool once the request is over
        request.Body = body.AsStream();
        request.ContentLength = body.Memory.Length;
        return null;
    }

    private async Task<RequestBody> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > _maxBody)
        {
            return new RequestBody(TooLarge());
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
                        return new RequestBody(TooLarge());
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
                    return new RequestBody(TooLarge());
                }
            }
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status408RequestTimeout)
        {
            // Kestrel's minimum data rate: the bound BufferBodyAsync set, or Kestrel's global one.
            ArrayPool<byte>.Shared.Return(buffer);
            return new RequestBody(TooSlow());
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return new RequestBody(TooLarge());
        }
        catch (IOException ex) when (ex is not BadHttpRequestException)
        {
            // Kestrel reports some malformed framing (a chunk size that overflows) as a plain IOException rather than
            // BadHttpRequestException; it is the client's error all the same, not the relay's.
            ArrayPool<byte>.Shared.Return(buffer);
            return new RequestBody(ProtocolError.BadRequest("The request body could not be read: its framing is malformed."));
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return new RequestBody(buffer, length);
    }

    /// <summary>Counts a refusal the body reader or the parser made (the other errors are the client's mistakes, not refusals).</summary>
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

/// <summary>A request body in a pooled buffer, or the problem that stopped it being read.</summary>
public readonly struct RequestBody(byte[]? buffer, int length, ProtocolError? error) : IDisposable
{
    public RequestBody(ProtocolError error) : this(null, 0, error)
    {
    }

    public RequestBody(byte[] buffer, int length) : this(buffer, length, null)
    {
    }

    public ProtocolError? Error => error;

    public ReadOnlyMemory<byte> Memory => buffer.AsMemory(0, length);

    /// <summary>The body as a read-only stream over the same buffer (valid until this is disposed).</summary>
    internal MemoryStream AsStream() => new(buffer ?? [], 0, length, writable: false);

    public void Dispose()
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
