using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Functions.Http;

/// <summary>Reads what a function needs from a request, answering a clear problem when it is missing or malformed.</summary>
public sealed class RelayRequest(IOptions<RelayOptions> options)
{
    internal const string CorrelationItem = "ScTransfer.CorrelationId";
    private readonly int _maxBody = options.Value.MaxRequestBodyBytes;

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

        problem = RelayResults.Problem(ProtocolError.BadRequest("The mailbox identifier in the path must be a UUID (8-4-4-4-12 hexadecimal digits)."));
        return false;
    }

    /// <summary>
    /// Reads a JSON body of at most <see cref="RelayOptions.MaxRequestBodyBytes"/>: a declared length over the limit is
    /// refused before reading, and reading stops one byte past the limit. Dispose the result to return its buffer.
    /// </summary>
    public async Task<RequestBody> ReadJsonBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!IsJson(request.ContentType))
        {
            return new RequestBody(ProtocolError.UnsupportedMediaType());
        }

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

    private ProtocolError TooLarge() =>
        ProtocolError.TooLarge($"The body may be at most {_maxBody} bytes (payloads at most {options.Value.MaxPayloadBytes} bytes decoded).");

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
        && (!media.Charset.HasValue || media.Charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase));
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

    public void Dispose()
    {
        if (buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
