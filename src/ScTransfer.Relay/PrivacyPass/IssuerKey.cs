using System.Formats.Asn1;
using System.Security.Cryptography;

namespace ScTransfer.Relay.PrivacyPass;

/// <summary>
/// One issuer public key for token type 0x0002 (RFC 9578 §6.5): the DER SubjectPublicKeyInfo exactly as the issuer
/// publishes it (its SHA-256 is the <c>token_key_id</c>), and the RSA key inside it. .NET's SPKI import does not take
/// the id-RSASSA-PSS algorithm identifier, so the SPKI is read with System.Formats.Asn1 and the inner RSAPublicKey imported.
/// </summary>
internal sealed class IssuerKey
{
    private const string RsassaPssOid = "1.2.840.113549.1.1.10";
    private const string Sha384Oid = "2.16.840.1.101.3.4.2.2";

    /// <summary>Bytes of an RSA-2048 signature: Nk of token type 0x0002.</summary>
    public const int AuthenticatorLength = 256;

    private readonly byte[] _rsaPublicKey;

    private IssuerKey(byte[] spki, byte[] rsaPublicKey)
    {
        Spki = spki;
        _rsaPublicKey = rsaPublicKey;
        TokenKeyId = SHA256.HashData(spki);
        TokenKey = PrivateTokenEncoding.ToBase64Url(spki);
    }

    /// <summary>The DER SubjectPublicKeyInfo as configured.</summary>
    public byte[] Spki { get; }

    /// <summary>SHA-256 of <see cref="Spki"/> (RFC 9578 §6.5).</summary>
    public byte[] TokenKeyId { get; }

    /// <summary>The <c>token-key</c> challenge parameter: base64url of the SPKI with padding (RFC 9577 §2.1.2).</summary>
    public string TokenKey { get; }

    /// <summary>A fresh RSA object for one verification (RSA instances are not shared across threads).</summary>
    public RSA CreateRsa()
    {
        var rsa = RSA.Create();
        rsa.ImportRSAPublicKey(_rsaPublicKey, out _);
        return rsa;
    }

    /// <summary>Reads a configured key, or says which one is wrong and why.</summary>
    /// <param name="text">base64 or base64url (padding optional) of the DER SPKI.</param>
    /// <param name="position">1-based position in the configured list, for the message.</param>
    public static IssuerKey Parse(string text, int position)
    {
        var name = $"PrivacyPass__IssuerPublicKeys key #{position}";
        if (!PrivateTokenEncoding.TryDecodeBase64(text, out var spki))
        {
            throw new InvalidOperationException($"{name} is not base64 or base64url text.");
        }

        byte[] rsaPublicKey;
        try
        {
            var reader = new AsnReader(spki, AsnEncodingRules.DER);
            var info = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            var algorithm = info.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            if (oid != RsassaPssOid)
            {
                throw new InvalidOperationException(
                    $"{name} has algorithm {oid}; token type 0x0002 needs the SubjectPublicKeyInfo with the RSASSA-PSS OID "
                    + $"{RsassaPssOid} (RFC 9578 §6.5), exactly as the issuer publishes it: token_key_id is its SHA-256.");
            }

            if (algorithm.HasData)
            {
                CheckPssParameters(algorithm.ReadSequence(), name);
            }

            algorithm.ThrowIfNotEmpty();
            rsaPublicKey = info.ReadBitString(out var unused);
            info.ThrowIfNotEmpty();
            if (unused != 0)
            {
                throw new InvalidOperationException($"{name}: the public key bit string is not whole bytes.");
            }
        }
        catch (AsnContentException ex)
        {
            throw new InvalidOperationException($"{name} is not a DER SubjectPublicKeyInfo: {ex.Message}", ex);
        }

        using (var rsa = RSA.Create())
        {
            try
            {
                rsa.ImportRSAPublicKey(rsaPublicKey, out var read);
                if (read != rsaPublicKey.Length)
                {
                    throw new InvalidOperationException($"{name}: trailing bytes after the RSA public key.");
                }
            }
            catch (CryptographicException ex)
            {
                throw new InvalidOperationException($"{name} does not hold a valid RSA public key: {ex.Message}", ex);
            }

            if (rsa.KeySize != AuthenticatorLength * 8)
            {
                throw new InvalidOperationException($"{name} is a {rsa.KeySize}-bit RSA key; token type 0x0002 is RSA-2048.");
            }
        }

        return new IssuerKey(spki, rsaPublicKey);
    }

    /// <summary>RSASSA-PSS-params (RFC 4055): where present they must say SHA-384 and a 48-byte salt.</summary>
    private static void CheckPssParameters(AsnReader parameters, string name)
    {
        var hashTag = new Asn1Tag(TagClass.ContextSpecific, 0);
        if (!parameters.HasData || !parameters.PeekTag().HasSameClassAndValue(hashTag))
        {
            throw new InvalidOperationException($"{name}: its RSASSA-PSS parameters default to SHA-1; token type 0x0002 uses SHA-384.");
        }

        var hash = parameters.ReadSequence(hashTag).ReadSequence().ReadObjectIdentifier();
        if (hash != Sha384Oid)
        {
            throw new InvalidOperationException($"{name}: its RSASSA-PSS hash is {hash}; token type 0x0002 uses SHA-384 ({Sha384Oid}).");
        }

        var maskTag = new Asn1Tag(TagClass.ContextSpecific, 1);
        if (parameters.HasData && parameters.PeekTag().HasSameClassAndValue(maskTag))
        {
            parameters.ReadEncodedValue(); // MGF1 with the same hash; the salt length below is what tells variants apart
        }

        var saltTag = new Asn1Tag(TagClass.ContextSpecific, 2);
        var salt = 20; // RFC 4055 default
        if (parameters.HasData && parameters.PeekTag().HasSameClassAndValue(saltTag))
        {
            if (!parameters.ReadSequence(saltTag).TryReadInt32(out salt))
            {
                salt = -1;
            }
        }

        if (salt != 48)
        {
            throw new InvalidOperationException($"{name}: its RSASSA-PSS salt length is {salt}; token type 0x0002 uses 48 bytes.");
        }
    }
}
