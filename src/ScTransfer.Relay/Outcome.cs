using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay;

/// <summary>
/// What a protocol operation answered: 200 with a value, 201 for a duplicate (draft §5), or an error. The status codes
/// are the draft's own vocabulary for an operation's outcome (§6.x.5), which is why the protocol layer speaks them.
/// </summary>
public readonly record struct Outcome<T>(int Status, T? Value, ProtocolError? Error)
{
    public static Outcome<T> Ok(T value) => new(200, value, null);

    /// <summary>A retry of a request already processed under the same Mailbox-Correlation-ID (draft §5).</summary>
    public static Outcome<T> Duplicate(T value) => new(201, value, null);

    public static implicit operator Outcome<T>(ProtocolError error) => new(error.Status, default, error);
}
