namespace ScTransfer.Relay.Protocol;

/// <summary>A mailbox identifier: a UUID chosen by the sender (draft §2) or by the relay (later revisions).</summary>
public readonly record struct MailboxId(Guid Value)
{
    public static bool TryParse(string? text, out MailboxId id)
    {
        id = default;
        // Only the canonical 8-4-4-4-12 form: other Guid spellings ({...}, (...), 32 digits) are not UUID strings (RFC 4122).
        if (text is null || text.Length != 36 || !Guid.TryParseExact(text, "D", out var guid))
        {
            return false;
        }

        id = new MailboxId(guid);
        return true;
    }

    /// <summary>
    /// A fresh version 4 UUID (RFC 9562 §5.4) for a create that names none: 122 bits from the cryptographic random
    /// number generator, so identifiers cannot be guessed (draft §8).
    /// </summary>
    public static MailboxId New()
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Security.Cryptography.RandomNumberGenerator.Fill(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // variant 10
        return new MailboxId(new Guid(bytes, bigEndian: true));
    }

    public override string ToString() => Value.ToString("D");
}

/// <summary>
/// A device claim (draft §2): a per-share UUID a device presents to prove it is the sender or the bound receiver.
/// It is a secret: it never reaches a log, an exception message or storage (only its keyed hash is stored).
/// </summary>
public readonly struct DeviceClaim : IEquatable<DeviceClaim>
{
    private readonly Guid _value;

    private DeviceClaim(Guid value) => _value = value;

    public static bool TryParse(string? text, out DeviceClaim claim)
    {
        claim = default;
        if (text is null || text.Length != 36 || !Guid.TryParseExact(text, "D", out var guid))
        {
            return false;
        }

        claim = new DeviceClaim(guid);
        return true;
    }

    public static DeviceClaim New() => new(Guid.NewGuid());

    /// <summary>Writes the claim's 16 bytes; used only to hash it.</summary>
    internal void WriteBytes(Span<byte> destination) => _value.TryWriteBytes(destination);

    public bool Equals(DeviceClaim other) => _value == other._value;

    public override bool Equals(object? obj) => obj is DeviceClaim other && Equals(other);

    public override int GetHashCode() => _value.GetHashCode();

    /// <summary>The claim in clear, for clients that must send it; the relay never calls this.</summary>
    public string Reveal() => _value.ToString("D");

    public override string ToString() => "DeviceClaim(redacted)";

    public static bool operator ==(DeviceClaim left, DeviceClaim right) => left.Equals(right);

    public static bool operator !=(DeviceClaim left, DeviceClaim right) => !left.Equals(right);
}
