namespace ScTransfer.Relay.Protocol;

/// <summary>
/// A mailbox identifier: a version 4 UUID chosen by the sender (draft §2) or the relay. Its 122 random bits keep a mailbox
/// from being guessed (draft §8), so any other version, being predictable, is refused.
/// </summary>
public readonly record struct MailboxId(Guid Value)
{
    /// <summary>What an identifier must be, for the answers that refuse one (completes "… must be ").</summary>
    public const string Requirement =
        "a version 4 (random) UUID in 8-4-4-4-12 form, such as 4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f; "
        + "UUIDs of other versions (time-based, nil) can be guessed and are refused (draft §8)";

    /// <summary>
    /// Parses the canonical 8-4-4-4-12 form of a version 4 UUID (RFC 9562 §4.1, §4.2: version nibble 4, variant bits 10).
    /// Any other version or variant is refused as if it were no UUID at all.
    /// </summary>
    public static bool TryParse(string? text, out MailboxId id)
    {
        id = default;
        // Only the canonical 8-4-4-4-12 form: other Guid spellings ({...}, (...), 32 digits) are not UUID strings (RFC 9562 §4).
        if (text is null || text.Length != 36 || !Guid.TryParseExact(text, "D", out var guid))
        {
            return false;
        }

        // The version is the high nibble of octet 6 (text position 14), the variant the top bits of octet 8 (text
        // position 19): 10xx, written 8, 9, a or b.
        if (text[14] != '4' || text[19] is not ('8' or '9' or 'a' or 'b' or 'A' or 'B'))
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
        return FromRandomBytes(bytes);
    }

    /// <summary>
    /// A version 4 UUID from 16 bytes that are random, or indistinguishable from random (a keyed hash): 122 of their bits
    /// are kept, the version and variant bits are set.
    /// </summary>
    internal static MailboxId FromRandomBytes(Span<byte> bytes)
    {
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40); // version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // variant 10
        return new MailboxId(new Guid(bytes[..16], bigEndian: true));
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
