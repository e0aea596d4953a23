using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;
using ScTransfer.Relay.Diagnostics;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Behaviour every response shares, written once and applied around every function by <see cref="RelayHttpPipeline"/>
/// (called by a thin middleware in each host: a Functions worker middleware in Azure, an ASP.NET Core middleware in the
/// self-hosted runner): the Mailbox-Correlation-ID echo (draft §5), security headers, and the mapping of failures to
/// problem+json.
/// </summary>
internal sealed partial class RelayHttpPolicy(RelayMetrics metrics, ILogger<RelayHttpPolicy> logger)
{
    /// <summary>Seconds a client should wait after a 503.</summary>
    public const int RetryAfterSeconds = 2;

    /// <summary>
    /// Runs before the function: records the Correlation-ID in <paramref name="request"/>. Returns an answer when the
    /// request must stop here, else null.
    /// </summary>
    public static IResult? BeginRequest(HttpContext http, RelayRequestFeature request)
    {
        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.StrictTransportSecurity = "max-age=31536000";

        foreach (var name in RelayHeaders.CorrelationId)
        {
            if (!http.Request.Headers.TryGetValue(name, out var values))
            {
                continue;
            }

            if (values.Count != 1 || !IsValidCorrelationId(values[0]))
            {
                // Not echoed: a value that is not a plain token could split or forge response headers.
                return RelayResults.Problem(ProtocolError.BadRequest(
                    $"The '{name}' header must be one value of 1 to 128 visible ASCII characters; a UUID is recommended (draft §5)."));
            }

            // §5: echo it, under the spelling the caller used.
            request.CorrelationHeader = name;
            request.CorrelationId = values[0];
            headers[name] = values[0];
            break;
        }

        return null;
    }

    /// <summary>Maps a failure to an answer: storage outages are 503 with Retry-After, never 500.</summary>
    public IResult MapException(Exception exception, HttpContext http)
    {
        switch (Unwrap(exception))
        {
            case StorageUnavailableException unavailable:
                metrics.StorageUnavailableAnswered(unavailable.BreakerOpen ? StorageUnavailableCause.BreakerOpen : StorageUnavailableCause.Failed);
                return RelayResults.Unavailable(RetryAfterSeconds);
            case BadHttpRequestException bad:
                // Kestrel's own limits (body size, malformed framing).
                return RelayResults.Problem(bad.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? ProtocolError.TooLarge("The body is larger than this relay accepts.")
                    : ProtocolError.BadRequest("The request could not be read."));
            case OperationCanceledException when http.RequestAborted.IsCancellationRequested:
                return RelayResults.Status(499); // the client went away; nobody reads this
            case var other:
                LogUnhandled(logger, other, http.GetEndpoint()?.DisplayName ?? "no endpoint"); // never the path: it names the mailbox
                return RelayResults.Problem(new ProtocolError(500, "Internal error", "The relay failed unexpectedly; the failure was logged."));
        }
    }

    [LoggerMessage(EventId = EventIds.UnhandledFailure, Level = LogLevel.Error, Message = "Unhandled failure in {Endpoint}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string endpoint);

    private static Exception Unwrap(Exception exception)
    {
        while (exception is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException
               && exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }

    private static bool IsValidCorrelationId(string? value) =>
        value is { Length: > 0 and <= 128 } && !value.AsSpan().ContainsAnyExceptInRange((char)0x21, (char)0x7E);
}
