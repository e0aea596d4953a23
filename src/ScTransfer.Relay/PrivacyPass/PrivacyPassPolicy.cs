using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.PrivacyPass;

/// <summary>
/// The relay's side of RFC 9577 for token type 0x0002: the TokenChallenge it issues and which tokens it accepts.
/// <para>
/// Redemption context (RFC 9577 §2.1.1.2, "context bound to a given time window"): HMAC-SHA256(relay key, window number),
/// a new value every <see cref="PrivacyPassOptions.ChallengeWindowSeconds"/>. Every client in a window gets the same
/// challenge, so the challenge links no one; the relay recomputes the challenge of the current and the previous window
/// instead of remembering what it sent (no state), and a spent nonce need only be remembered until its window's challenge
/// stops being accepted, so double-spend records expire with the window. Keyed, so nobody can compute a future window's
/// challenge and stockpile tokens for it. An empty context would make a token valid until the issuer's key rotates,
/// and the spent-nonce records would have to live as long.
/// </para>
/// </summary>
public sealed class PrivacyPassPolicy
{
    private readonly byte[] _contextKey;
    private readonly byte[] _nonceKey;
    private readonly byte[] _issuerName;
    private readonly byte[] _originInfo;

    public PrivacyPassPolicy(IOptions<PrivacyPassOptions> options, RelayKeys keys, PublicBaseUrl publicBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        Options = options.Value;
        Keys = ParseKeys(Options.IssuerPublicKeys);
        _issuerName = Encoding.ASCII.GetBytes(Options.IssuerName.Trim());
        OriginName = publicBaseUrl.Origin;
        _originInfo = Encoding.ASCII.GetBytes(OriginName);

        // Two keys derived from the claim-hash key (HKDF, distinct labels), so no new secret has to be provisioned and
        // neither derived key says anything about the claim hashes.
        _contextKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, keys.ClaimHashKey, 32, info: "ScTransfer Privacy Pass redemption context"u8.ToArray());
        _nonceKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, keys.ClaimHashKey, 32, info: "ScTransfer Privacy Pass spent nonce"u8.ToArray());
    }

    public PrivacyPassOptions Options { get; }

    internal IReadOnlyList<IssuerKey> Keys { get; }

    /// <summary>origin_info: the host (and port, if not the scheme's default) of Relay__PublicBaseUrl.</summary>
    public string OriginName { get; }

    public long WindowAt(DateTimeOffset now) => now.ToUnixTimeSeconds() / Options.ChallengeWindowSeconds;

    /// <summary>When the challenge of <paramref name="window"/> stops being accepted: the end of the next window.</summary>
    public DateTimeOffset AcceptedUntil(long window) =>
        DateTimeOffset.FromUnixTimeSeconds((window + 2) * Options.ChallengeWindowSeconds);

    /// <summary>The TokenChallenge (RFC 9577 §2.1.1) this relay issues during <paramref name="window"/>.</summary>
    public byte[] ChallengeFor(long window)
    {
        var context = new byte[32];
        Span<byte> windowBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(windowBytes, window);
        HMACSHA256.HashData(_contextKey, windowBytes, context);

        var challenge = new byte[2 + 2 + _issuerName.Length + 1 + context.Length + 2 + _originInfo.Length];
        var span = challenge.AsSpan();
        BinaryPrimitives.WriteUInt16BigEndian(span, PrivateTokenVerifier.TokenType);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], (ushort)_issuerName.Length);
        _issuerName.CopyTo(span[4..]);
        var at = 4 + _issuerName.Length;
        span[at++] = (byte)context.Length;
        context.CopyTo(span[at..]);
        at += context.Length;
        BinaryPrimitives.WriteUInt16BigEndian(span[at..], (ushort)_originInfo.Length);
        _originInfo.CopyTo(span[(at + 2)..]);
        return challenge;
    }

    /// <summary>The WWW-Authenticate value of a 401 (RFC 9577 §2.1.2): quoted base64url with padding, max-age in seconds.</summary>
    public string ChallengeHeader(DateTimeOffset now)
    {
        var window = WindowAt(now);
        var maxAge = (long)Math.Floor((AcceptedUntil(window) - now).TotalSeconds);
        return "PrivateToken challenge=\"" + PrivateTokenEncoding.ToBase64Url(ChallengeFor(window))
            + "\", token-key=\"" + Keys[0].TokenKey
            + "\", max-age=" + maxAge.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Verifies a token against the challenges of this window and the previous one; returns the window it answers.</summary>
    internal TokenRefusal Verify(ReadOnlySpan<byte> token, DateTimeOffset now, out long window)
    {
        var current = WindowAt(now);
        byte[][] digests = [SHA256.HashData(ChallengeFor(current)), SHA256.HashData(ChallengeFor(current - 1))];
        var refusal = PrivateTokenVerifier.Verify(token, Keys, digests, out var matched);
        window = current - matched;
        return refusal;
    }

    /// <summary>The only thing stored of a token: HMAC-SHA256(derived relay key, nonce).</summary>
    public byte[] NonceHash(ReadOnlySpan<byte> nonce) => HMACSHA256.HashData(_nonceKey, nonce);

    /// <summary>The configured keys, read by the rules the start-up check (PrivacyPassOptionsValidator) reports.</summary>
    internal static IReadOnlyList<IssuerKey> ParseKeys(string? configured) =>
        [.. KeyTexts(configured).Select((text, i) => IssuerKey.Parse(text, i + 1))];

    /// <summary>The key texts of <see cref="PrivacyPassOptions.IssuerPublicKeys"/>: separated by commas or whitespace.</summary>
    internal static IReadOnlyList<string> KeyTexts(string? configured) =>
        (configured ?? "").Split([',', ';', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
}
