using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;

namespace ScTransfer.Testing;

/// <summary>
/// A Privacy Pass issuer for token type 0x0002 inside the test suite. It holds an RSA-2048 key, publishes it as a DER
/// SubjectPublicKeyInfo with the RSASSA-PSS OID and SHA-384 / 48-byte-salt parameters (RFC 9578 §6.5), and signs token
/// inputs with RSASSA-PSS SHA-384: exactly the signature a client's blind signature unblinds to (RFC 9474), without the
/// blinding round trip, which changes nothing the relay can see. Generating an RSA-2048 key takes a few hundred
/// milliseconds, so tests share <see cref="Shared"/> unless they need a key of their own (a stranger issuer).
/// </summary>
public sealed class PrivacyPassTestIssuer : IDisposable
{
    private static readonly Lazy<PrivacyPassTestIssuer> SharedIssuer = new(() => new PrivacyPassTestIssuer(shared: true));

    private readonly RSA _key = RSA.Create(2048);
    private readonly bool _shared;

    /// <summary>An issuer with a key of its own.</summary>
    public PrivacyPassTestIssuer()
        : this(shared: false)
    {
    }

    private PrivacyPassTestIssuer(bool shared)
    {
        _shared = shared;
        Spki = BuildPssSpki(_key.ExportRSAPublicKey());
        TokenKeyId = SHA256.HashData(Spki);
    }

    /// <summary>One issuer for the whole test process; disposing it does nothing.</summary>
    public static PrivacyPassTestIssuer Shared => SharedIssuer.Value;

    public byte[] Spki { get; }

    public byte[] TokenKeyId { get; }

    public string SpkiBase64 => Convert.ToBase64String(Spki);

    public string SpkiBase64Url => SpkiBase64.Replace('+', '-').Replace('/', '_').TrimEnd('=');

    /// <summary>The same public key as a plain rsaEncryption SubjectPublicKeyInfo (OID 1.2.840.113549.1.1.1), which is not a token key.</summary>
    public byte[] RsaEncryptionSpki => _key.ExportSubjectPublicKeyInfo();

    /// <summary>A token for <paramref name="challenge"/> (the TokenChallenge bytes): type ‖ nonce ‖ SHA-256(challenge) ‖ key id ‖ signature.</summary>
    public byte[] Issue(byte[] challenge, byte[]? nonce = null, ushort tokenType = 0x0002)
    {
        var input = new byte[2 + 32 + 32 + 32];
        BinaryPrimitives.WriteUInt16BigEndian(input, tokenType);
        (nonce ?? RandomNumberGenerator.GetBytes(32)).CopyTo(input, 2);
        SHA256.HashData(challenge).CopyTo(input, 34);
        TokenKeyId.CopyTo(input, 66);
        return [.. input, .. _key.SignData(input, HashAlgorithmName.SHA384, RSASignaturePadding.Pss)];
    }

    /// <summary>The Authorization value carrying <paramref name="token"/> (RFC 9577 §2.2.2).</summary>
    public static string AuthorizationFor(byte[] token) => "PrivateToken token=\"" + Base64Url(token) + "\"";

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

    public static byte[] FromBase64Url(string text)
    {
        var standard = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(standard.PadRight(standard.Length + ((4 - (standard.Length % 4)) % 4), '='));
    }

    /// <summary>SPKI { AlgorithmIdentifier { id-RSASSA-PSS, RSASSA-PSS-params { SHA-384, MGF1(SHA-384), salt 48 } }, RSAPublicKey }.</summary>
    public static byte[] BuildPssSpki(byte[] rsaPublicKey)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            using (writer.PushSequence())
            {
                writer.WriteObjectIdentifier("1.2.840.113549.1.1.10");
                using (writer.PushSequence())
                {
                    using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 0)))
                    {
                        WriteSha384(writer);
                    }

                    using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 1)))
                    using (writer.PushSequence())
                    {
                        writer.WriteObjectIdentifier("1.2.840.113549.1.1.8");
                        WriteSha384(writer);
                    }

                    using (writer.PushSequence(new Asn1Tag(TagClass.ContextSpecific, 2)))
                    {
                        writer.WriteInteger(48);
                    }
                }
            }

            writer.WriteBitString(rsaPublicKey);
        }

        return writer.Encode();
    }

    private static void WriteSha384(AsnWriter writer)
    {
        using (writer.PushSequence())
        {
            writer.WriteObjectIdentifier("2.16.840.1.101.3.4.2.2");
            writer.WriteNull();
        }
    }

    public void Dispose()
    {
        if (!_shared)
        {
            _key.Dispose();
        }
    }
}
