using System.Buffers.Text;
using System.Security.Cryptography;

namespace ScTransfer.Client;

/// <summary>AES key sizes the draft defines (§7): <c>AES128</c> and <c>AES256</c>.</summary>
public enum KeySize
{
    Aes128 = 16,
    Aes256 = 32,
}

/// <summary>
/// The Secret of one transfer (draft §2): the raw AES-GCM key both devices share and the relay never sees (§8.3).
/// In a share link it is the URI fragment, as base64url without padding. <see cref="ToString"/> never reveals it.
/// </summary>
public sealed class ShareSecret
{
    private readonly byte[] _key;

    private ShareSecret(byte[] key) => _key = key;

    public KeySize KeySize => (KeySize)_key.Length;

    /// <summary>A fresh key from the operating system's cryptographic random source (§3: good entropy).</summary>
    public static ShareSecret Generate(KeySize size = KeySize.Aes128) => new(RandomNumberGenerator.GetBytes((int)size));

    /// <summary>A secret from raw key bytes (16 or 32); the bytes are copied.</summary>
    public static ShareSecret FromKey(ReadOnlySpan<byte> key) => key.Length is (int)KeySize.Aes128 or (int)KeySize.Aes256
        ? new ShareSecret(key.ToArray())
        : throw new ArgumentException("An AES-GCM key for this draft is 16 or 32 bytes.", nameof(key));

    /// <summary>Reads the link-fragment form: base64url of a 16- or 32-byte key, padding optional.</summary>
    public static bool TryParse(string? text, out ShareSecret? secret)
    {
        secret = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        var unpadded = text.TrimEnd('=');
        var buffer = new byte[Base64Url.GetMaxDecodedLength(unpadded.Length)];
        if (Base64Url.DecodeFromChars(unpadded, buffer, out var consumed, out var written) != System.Buffers.OperationStatus.Done
            || consumed != unpadded.Length || written is not ((int)KeySize.Aes128 or (int)KeySize.Aes256))
        {
            return false;
        }

        secret = new ShareSecret(buffer[..written]);
        return true;
    }

    /// <summary>The link-fragment form. Deliberately not <see cref="ToString"/>: revealing the secret is explicit.</summary>
    public string ToBase64Url() => Base64Url.EncodeToString(_key);

    internal ReadOnlySpan<byte> Key => _key;

    public override string ToString() => $"ShareSecret({(int)KeySize * 8}-bit, redacted)";
}
