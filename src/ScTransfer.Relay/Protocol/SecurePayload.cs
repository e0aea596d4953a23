namespace ScTransfer.Relay.Protocol;

/// <summary>
/// An encrypted payload (draft §7): <c>type</c> names AES-GCM with a 128- or 256-bit key and <c>data</c> is
/// IV(12) ‖ ciphertext ‖ tag(16). The relay cannot decrypt it; it only checks the layout is possible.
/// </summary>
public sealed record SecurePayload(string Type, byte[] Data)
{
    /// <summary>12-byte IV + 16-byte tag: the smallest §7 payload (empty plaintext).</summary>
    public const int MinimumLength = 12 + 16;

    /// <summary>draft-00 names and their RFC 5116 spellings from later revisions; the type is returned as it was sent.</summary>
    public static bool IsKnownType(string type) =>
        type is "AES128" or "AES256" or "AEAD_AES_128_GCM" or "AEAD_AES_256_GCM";

    public override string ToString() => $"SecurePayload({Type}, {Data.Length} bytes)";
}

/// <summary>A push token a device left in a mailbox (draft §6.1.4 / §6.2.4). Secret: never logged.</summary>
public sealed record NotificationToken(string Type, string TokenData)
{
    public const string Apns = "com.apple.apns";
    public const string Fcm = "com.google.fcm";

    public static bool IsSupportedType(string type) => type is Apns or Fcm;

    public override string ToString() => $"NotificationToken({Type}, redacted)";
}
