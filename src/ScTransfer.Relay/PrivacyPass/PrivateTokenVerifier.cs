using System.Buffers.Binary;
using System.Security.Cryptography;

namespace ScTransfer.Relay.PrivacyPass;

/// <summary>Why a token was not accepted (logged by name; nothing of the token itself is logged).</summary>
internal enum TokenRefusal
{
    None,
    Malformed,
    WrongTokenType,
    UnknownKey,
    WrongChallenge,
    BadSignature,
    Spent,
}

/// <summary>
/// Verification of a Privacy Pass token of type 0x0002, Blind RSA 2048 (RFC 9577 §2.2, RFC 9578 §6.4):
/// <code>
/// struct { uint16 token_type = 0x0002; uint8 nonce[32]; uint8 challenge_digest[32]; uint8 token_key_id[32]; uint8 authenticator[256]; } Token;
/// </code>
/// The authenticator is an RSASSA-PSS signature (SHA-384, MGF1-SHA-384, 48-byte salt) over the first 98 bytes, which is
/// exactly what the client's blind signature unblinds to; the relay verifies it with the issuer's public key only.
/// </summary>
internal static class PrivateTokenVerifier
{
    public const ushort TokenType = 0x0002;
    public const int NonceLength = 32;
    public const int DigestLength = 32;
    public const int KeyIdLength = 32;
    public const int TokenInputLength = 2 + NonceLength + DigestLength + KeyIdLength;
    public const int TokenLength = TokenInputLength + IssuerKey.AuthenticatorLength;

    public static ReadOnlySpan<byte> Nonce(ReadOnlySpan<byte> token) => token.Slice(2, NonceLength);

    /// <summary>
    /// Checks structure, type, key, challenge and signature, in that order. <paramref name="matched"/> is the index in
    /// <paramref name="acceptedDigests"/> of the challenge the token answers (valid only when the answer is None).
    /// </summary>
    public static TokenRefusal Verify(
        ReadOnlySpan<byte> token, IReadOnlyList<IssuerKey> keys, IReadOnlyList<byte[]> acceptedDigests, out int matched)
    {
        matched = -1;
        if (token.Length != TokenLength)
        {
            return TokenRefusal.Malformed;
        }

        if (BinaryPrimitives.ReadUInt16BigEndian(token) != TokenType)
        {
            return TokenRefusal.WrongTokenType;
        }

        var digest = token.Slice(2 + NonceLength, DigestLength);
        var keyId = token.Slice(2 + NonceLength + DigestLength, KeyIdLength);
        var input = token[..TokenInputLength];
        var authenticator = token[TokenInputLength..];

        IssuerKey? key = null;
        foreach (var candidate in keys)
        {
            if (CryptographicOperations.FixedTimeEquals(candidate.TokenKeyId, keyId))
            {
                key = candidate;
            }
        }

        if (key is null)
        {
            return TokenRefusal.UnknownKey;
        }

        for (var i = 0; i < acceptedDigests.Count; i++)
        {
            if (CryptographicOperations.FixedTimeEquals(acceptedDigests[i], digest))
            {
                matched = i;
            }
        }

        if (matched < 0)
        {
            return TokenRefusal.WrongChallenge;
        }

        using var rsa = key.CreateRsa();
        // .NET's PSS uses MGF1 with the signature's hash and a salt as long as that hash: SHA-384, 48 bytes (RFC 9578 §6.4).
        return rsa.VerifyData(input, authenticator, HashAlgorithmName.SHA384, RSASignaturePadding.Pss)
            ? TokenRefusal.None
            : TokenRefusal.BadSignature;
    }
}
