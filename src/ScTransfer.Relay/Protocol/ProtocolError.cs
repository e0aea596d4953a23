namespace ScTransfer.Relay.Protocol;

/// <summary>
/// A client error the relay answers with <c>application/problem+json</c> (RFC 9457). <see cref="Detail"/> says
/// what to fix and never contains a secret the client sent.
/// </summary>
public sealed record ProtocolError(int Status, string Title, string Detail)
{
    public static ProtocolError BadRequest(string detail) => new(400, "The request is not valid", detail);

    public static ProtocolError Unauthorized(string detail) => new(401, "This device may not do that", detail);

    public static ProtocolError NotFound() =>
        new(404, "No such mailbox", "The mailbox does not exist, has expired or was deleted.");

    public static ProtocolError TooLarge(string detail) => new(413, "The request is too large", detail);

    public static ProtocolError UnsupportedMediaType() =>
        new(415, "Unsupported media type", "Send the body as JSON with 'Content-Type: application/json'.");
}
