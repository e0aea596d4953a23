using System.Security.Cryptography;

namespace ScTransfer.Client;

/// <summary>
/// An encrypted payload as it travels (draft §7, Figure 9): <see cref="Type"/> names the algorithm and
/// <see cref="Data"/> is IV(12) ‖ ciphertext ‖ tag(16).
/// </summary>
public sealed record EncryptedPayload(string Type, byte[] Data)
{
    public override string ToString() => $"EncryptedPayload({Type}, {Data.Length} bytes)";
}

/// <summary>
/// AES-GCM in the draft's layout (§7): a random 96-bit IV prepended, the 128-bit tag appended, no additional data.
/// Decryption verifies the tag (§8.3 integrity), so altered data, a wrong key or a truncated payload all fail.
/// </summary>
public static class PayloadCipher
{
    public const int IvLength = 12;
    public const int TagLength = 16;

    /// <summary>Encrypts with a fresh random IV; the type is <c>AES128</c> or <c>AES256</c> after the key size.</summary>
    public static EncryptedPayload Encrypt(ReadOnlySpan<byte> plaintext, ShareSecret secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        Span<byte> iv = stackalloc byte[IvLength];
        RandomNumberGenerator.Fill(iv);
        return Encrypt(plaintext, secret, iv);
    }

    /// <summary>Encrypts with a given IV: for known-answer tests only, an IV must never repeat under one key.</summary>
    internal static EncryptedPayload Encrypt(ReadOnlySpan<byte> plaintext, ShareSecret secret, ReadOnlySpan<byte> iv)
    {
        var data = new byte[IvLength + plaintext.Length + TagLength];
        iv.CopyTo(data);
        using var aes = new AesGcm(secret.Key, TagLength);
        aes.Encrypt(iv, plaintext, data.AsSpan(IvLength, plaintext.Length), data.AsSpan(IvLength + plaintext.Length));
        return new EncryptedPayload(TypeFor(secret.KeySize), data);
    }

    /// <summary>Decrypts and verifies; throws <see cref="PayloadDecryptionException"/> on any failure.</summary>
    public static byte[] Decrypt(EncryptedPayload payload, ShareSecret secret)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(secret);
        if (KeySizeOf(payload.Type) is not { } size)
        {
            throw new PayloadDecryptionException($"The payload type '{payload.Type}' is not one this client decrypts (AES128, AES256 or their AEAD_AES_*_GCM names).");
        }

        if (size != secret.KeySize)
        {
            throw new PayloadDecryptionException($"The payload is {payload.Type} but the secret is a {(int)secret.KeySize * 8}-bit key: wrong secret for this share.");
        }

        var data = payload.Data;
        if (data.Length < IvLength + TagLength)
        {
            throw new PayloadDecryptionException($"The payload is {data.Length} bytes, shorter than an IV and a tag ({IvLength + TagLength}): it was truncated.");
        }

        var plaintext = new byte[data.Length - IvLength - TagLength];
        try
        {
            using var aes = new AesGcm(secret.Key, TagLength);
            aes.Decrypt(data.AsSpan(0, IvLength), data.AsSpan(IvLength, plaintext.Length), data.AsSpan(data.Length - TagLength), plaintext);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new PayloadDecryptionException("The payload did not verify: the secret is wrong or the data was altered.");
        }

        return plaintext;
    }

    /// <summary>draft-00 names; later RFC 5116 names, the same layout (docs/compatibility.md).</summary>
    public static KeySize? KeySizeOf(string type) => type switch
    {
        "AES128" or "AEAD_AES_128_GCM" => KeySize.Aes128,
        "AES256" or "AEAD_AES_256_GCM" => KeySize.Aes256,
        _ => null,
    };

    public static string TypeFor(KeySize size) => size == KeySize.Aes256 ? "AES256" : "AES128";
}
