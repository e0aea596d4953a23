using System.Net;

namespace ScTransfer.Client;

/// <summary>
/// Base of every error this client raises. Messages say what happened and what to do next; they never contain a
/// secret, a device claim or a notification token.
/// </summary>
public abstract class ScTransferException : Exception
{
    protected ScTransferException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A share link that cannot be used: not a relay mailbox URL, or no valid secret in its fragment.</summary>
public sealed class InvalidShareLinkException(string message) : ScTransferException(message);

/// <summary>The payload did not decrypt and verify (draft §7, §8.3): wrong secret, altered or truncated data.</summary>
public sealed class PayloadDecryptionException(string message) : ScTransferException(message);

/// <summary>The relay answered a call with an error status (draft §6). <see cref="Detail"/> is the relay's own explanation.</summary>
public abstract class RelayException : ScTransferException
{
    protected RelayException(string message, HttpStatusCode? statusCode, string? detail, string correlationId, Exception? innerException = null)
        : base(detail is null ? message : $"{message} Relay: {detail}", innerException)
    {
        StatusCode = statusCode;
        Detail = detail;
        CorrelationId = correlationId;
    }

    /// <summary>The HTTP status, or null when no answer arrived at all.</summary>
    public HttpStatusCode? StatusCode { get; }

    /// <summary>The <c>detail</c> of the relay's application/problem+json answer, if any.</summary>
    public string? Detail { get; }

    /// <summary>The Mailbox-Correlation-ID of the failed call (draft §5), to find it in the relay's logs.</summary>
    public string CorrelationId { get; }
}

/// <summary>404: the mailbox does not exist (never created, expired, or deleted).</summary>
public sealed class MailboxNotFoundException(string? detail, string correlationId)
    : RelayException("The mailbox was not found: it expired, was deleted after use or cancelled, or the link is wrong.", HttpStatusCode.NotFound, detail, correlationId);

/// <summary>
/// 401: this device's claim may not do that (another receiver is bound, the identifier is taken, or the mailbox's
/// access rights forbid it).
/// </summary>
public sealed class MailboxAccessDeniedException(string? detail, string correlationId)
    : RelayException("The relay refused this device: the mailbox belongs to other devices or its access rights forbid this call.", HttpStatusCode.Unauthorized, detail, correlationId);

/// <summary>413: the payload or display information is larger than the relay accepts (128 KiB decoded payload by default).</summary>
public sealed class PayloadTooLargeException(string? detail, string correlationId)
    : RelayException("The relay refused the content as too large (its default payload limit is 128 KiB after base64 decoding, IV and tag included); send less.", HttpStatusCode.RequestEntityTooLarge, detail, correlationId);

/// <summary>400, 415 and other 4xx: the relay could not accept the request as sent.</summary>
public sealed class MailboxRequestRejectedException(HttpStatusCode statusCode, string? detail, string correlationId)
    : RelayException($"The relay rejected the request ({(int)statusCode}).", statusCode, detail, correlationId);

/// <summary>
/// No usable answer after every retry with the same Mailbox-Correlation-ID: the relay or the network is down (503,
/// other 5xx, connection failures, timeouts). Safe to retry later.
/// </summary>
public sealed class RelayUnavailableException : RelayException
{
    public RelayUnavailableException(HttpStatusCode? statusCode, string? detail, string correlationId, Exception? innerException = null)
        : base(statusCode is null
                ? "The relay could not be reached; try again later."
                : $"The relay is unavailable ({(int)statusCode.Value}); try again later.", statusCode, detail, correlationId, innerException)
    {
    }

    /// <summary>
    /// No answer at all from the relay at <paramref name="relay"/> (refused, no such host, timed out): the message names
    /// the relay and the cause, so a wrong address reads as one.
    /// </summary>
    public RelayUnavailableException(Uri relay, string correlationId, Exception innerException)
        : base(Unreachable(relay, innerException), null, null, correlationId, innerException)
    {
    }

    private static string Unreachable(Uri relay, Exception cause)
    {
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(cause);
        var why = cause is TaskCanceledException ? "no answer within the client's timeout" : cause.Message.ReplaceLineEndings(" ").TrimEnd('.');
        return $"The relay at {relay.AbsoluteUri} could not be reached ({why}); check the address, or try again later.";
    }
}

/// <summary>The relay answered, but not as the draft says it must (bad JSON, a link for another mailbox, no correlation echo).</summary>
public sealed class RelayProtocolException(string message, HttpStatusCode? statusCode, string correlationId)
    : RelayException(message, statusCode, null, correlationId);
