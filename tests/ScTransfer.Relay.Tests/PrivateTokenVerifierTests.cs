using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.PrivacyPass;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>Token type 0x0002 verification against RFC 9578's test vector, field by field, and the relay's challenges.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PrivateTokenVerifierTests
{
    // RFC 9578 Appendix A.2, "Issuance Protocol 2 - Blind RSA, 2048": pkS, token_challenge, token.
    private const string VectorPublicKey =
        "30820156304106092a864886f70d01010a3034a00f300d06096086480165030402020500a11c301a06092a864886f70d010108300d0609608648016503040"
        + "2020500a2030201300382010f003082010a0282010100cb1aed6b6a95f5b1ce013a4cfcab25b94b2e64a23034e4250a7eab43c0df3a8c12993af12b111908d4b47"
        + "1bec31d4b6c9ad9cdda90612a2ee903523e6de5a224d6b02f09e5c374d0cfe01d8f529c500a78a2f67908fa682b5a2b430c81eaf1af72d7b5e794fc98a31392768"
        + "79757ce453b526ef9bf6ceb99979b8423b90f4461a22af37aab0cf5733f7597abe44d31c732db68a181c6cbbe607d8c0e52e0655fd9996dc584eca0be87afbcd78"
        + "a337d17b1dba9e828bbd81e291317144e7ff89f55619709b096cbb9ea474cead264c2073fe49740c01f00e109106066983d21e5f83f086e2e823c879cd43cef700"
        + "d2a352a9babd612d03cad02db134b7e225a5f0203010001";

    private const string VectorChallenge = "d0bea78c3b452a4ccd4484e4c6f1e73d3c494be58a5a81c7c97f12fe5f9bb03c";

    private const string VectorToken =
        "000223b29061bc9d3cf3637e067c47abe5122d355e9d681a3fc249fd4d4dd4ae7d61a982f3054cb8cd7dd827eb06f6c7bbd05b1f65a8e6e2968895c0ed1"
        + "642be52faf861220ad4241ee0e33eb4a486a32f05af05ee33fcfdd1104c665eb827c2062154c68677136693e8301583932d67445e8d073eb2dc2593583b0111e36"
        + "92129fa6bfa50f556d284e885ea8113a4500619d1559a00739774c4bb9b32adb543ee67a0db240ae44e6e84a5bedbe44d3db69b4859e6a36c5a51fa7da5deb13fe"
        + "38b3a04335c7e3b4ca495692d4efdec8272f9a718c4dd86a661161b9f26729fe487b35d2ccb0729adcfaec1393c64186002641177853e3af7f64f2384c81f3765c"
        + "d572d618771a2b845647b4a4a167d51df8b49abe412310a6f1cdcdaea1efe6deb97ca9cba9b5d90798b2399effeae0ff66a6a67b2f69961b4b34db5f5c79d5e48c"
        + "67ace06ba2836197fdb98bb6d276d1df03a006f9f8b06e09c7db7f473fb4736cc";

    private static IssuerKey VectorKey => IssuerKey.Parse(Convert.ToBase64String(Convert.FromHexString(VectorPublicKey)), 1);

    private static byte[][] VectorDigests => [SHA256.HashData(Convert.FromHexString(VectorChallenge))];

    [Fact]
    public void The_RFC_9578_test_vector_verifies()
    {
        var token = Convert.FromHexString(VectorToken);
        Assert.Equal(PrivateTokenVerifier.TokenLength, token.Length);
        Assert.Equal(token[66..98], VectorKey.TokenKeyId); // token_key_id = SHA-256 of the PSS-OID SPKI
        Assert.Equal(TokenRefusal.None, PrivateTokenVerifier.Verify(token, [VectorKey], VectorDigests, out var matched));
        Assert.Equal(0, matched);
    }

    [Theory]
    [InlineData(1, TokenRefusal.WrongTokenType)] // token_type
    [InlineData(2, TokenRefusal.BadSignature)] // nonce, first byte
    [InlineData(33, TokenRefusal.BadSignature)] // nonce, last byte
    [InlineData(34, TokenRefusal.WrongChallenge)] // challenge_digest
    [InlineData(65, TokenRefusal.WrongChallenge)]
    [InlineData(66, TokenRefusal.UnknownKey)] // token_key_id
    [InlineData(97, TokenRefusal.UnknownKey)]
    [InlineData(98, TokenRefusal.BadSignature)] // authenticator
    [InlineData(353, TokenRefusal.BadSignature)]
    public void A_flipped_bit_in_any_field_fails(int index, object expected) // object: TokenRefusal is internal, the method public
    {
        var token = Convert.FromHexString(VectorToken);
        token[index] ^= 0x01;
        Assert.Equal(expected, (object)PrivateTokenVerifier.Verify(token, [VectorKey], VectorDigests, out _));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public void A_token_of_another_length_is_malformed(int delta)
    {
        var token = Convert.FromHexString(VectorToken);
        var resized = new byte[token.Length + delta];
        Array.Copy(token, resized, Math.Min(token.Length, resized.Length));
        Assert.Equal(TokenRefusal.Malformed, PrivateTokenVerifier.Verify(resized, [VectorKey], VectorDigests, out _));
    }

    [Fact]
    public void A_key_in_rsaEncryption_form_is_refused_naming_the_key_and_the_OID()
    {
        var issuer = PrivacyPassTestIssuer.Shared;
        var keys = issuer.SpkiBase64 + "," + Convert.ToBase64String(issuer.RsaEncryptionSpki);
        var error = Assert.Throws<InvalidOperationException>(() => PrivacyPassPolicy.ParseKeys(keys));
        Assert.Contains("key #2", error.Message);
        Assert.Contains("1.2.840.113549.1.1.10", error.Message);
    }

    [Fact]
    public void A_key_that_is_not_RSA_2048_or_not_base64_is_refused()
    {
        using var small = RSA.Create(1024);
        var error = Assert.Throws<InvalidOperationException>(() =>
            IssuerKey.Parse(Convert.ToBase64String(PrivacyPassTestIssuer.BuildPssSpki(small.ExportRSAPublicKey())), 1));
        Assert.Contains("1024-bit", error.Message);
        Assert.Contains("not base64", Assert.Throws<InvalidOperationException>(() => IssuerKey.Parse("not*base64", 3)).Message);
    }

    [Fact]
    public void Keys_are_read_in_standard_and_url_safe_base64()
    {
        var issuer = PrivacyPassTestIssuer.Shared;
        var keys = PrivacyPassPolicy.ParseKeys(issuer.SpkiBase64Url + " " + issuer.SpkiBase64);
        Assert.Equal(2, keys.Count);
        Assert.All(keys, k => Assert.Equal(issuer.TokenKeyId, k.TokenKeyId));
    }

    [Fact]
    public void The_challenge_names_issuer_window_context_and_origin_and_tokens_live_for_two_windows()
    {
        var issuer = PrivacyPassTestIssuer.Shared;
        var policy = Policy(issuer);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var window = policy.WindowAt(now);
        var challenge = policy.ChallengeFor(window);

        // uint16 type ‖ uint16-prefixed issuer ‖ uint8-prefixed 32-byte context ‖ uint16-prefixed origin_info
        Assert.Equal([0x00, 0x02], challenge[..2]);
        Assert.Equal("issuer.test.example", System.Text.Encoding.ASCII.GetString(challenge, 4, challenge[3]));
        var at = 4 + challenge[3];
        Assert.Equal(32, challenge[at]);
        Assert.NotEqual(challenge[(at + 1)..(at + 33)], policy.ChallengeFor(window + 1)[(at + 1)..(at + 33)]);
        Assert.Equal("relay.example:8443", System.Text.Encoding.ASCII.GetString(challenge, at + 35, challenge[at + 34]));

        var token = issuer.Issue(challenge);
        Assert.Equal(TokenRefusal.None, policy.Verify(token, now, out var answered));
        Assert.Equal(window, answered);
        Assert.Equal(TokenRefusal.None, policy.Verify(token, now.AddSeconds(600), out answered)); // the next window
        Assert.Equal(window, answered);
        Assert.Equal(TokenRefusal.WrongChallenge, policy.Verify(token, now.AddSeconds(1200), out _)); // two windows on
        Assert.Equal(policy.AcceptedUntil(window), DateTimeOffset.FromUnixTimeSeconds((window + 2) * 600));
    }

    [Fact]
    public void The_challenge_header_is_RFC_9577_syntax_with_quoted_padded_base64url_and_max_age()
    {
        var issuer = PrivacyPassTestIssuer.Shared;
        var policy = Policy(issuer);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_100); // 100 s into a 600 s window... of some phase
        var header = policy.ChallengeHeader(now);
        var match = System.Text.RegularExpressions.Regex.Match(header, "^PrivateToken challenge=\"([A-Za-z0-9_=-]+)\", token-key=\"([A-Za-z0-9_=-]+)\", max-age=([0-9]+)$");
        Assert.True(match.Success, header);
        Assert.Equal(policy.ChallengeFor(policy.WindowAt(now)), PrivacyPassTestIssuer.FromBase64Url(match.Groups[1].Value));
        Assert.Equal(issuer.Spki, PrivacyPassTestIssuer.FromBase64Url(match.Groups[2].Value));
        Assert.Equal(0, match.Groups[1].Value.Length % 4); // padded
        Assert.Equal((long)(policy.AcceptedUntil(policy.WindowAt(now)) - now).TotalSeconds, long.Parse(match.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void A_token_for_another_relays_challenge_is_refused()
    {
        var issuer = PrivacyPassTestIssuer.Shared;
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var other = Policy(issuer, "https://other.example");
        var token = issuer.Issue(other.ChallengeFor(other.WindowAt(now)));
        Assert.Equal(TokenRefusal.WrongChallenge, Policy(issuer).Verify(token, now, out _));
    }

    private static PrivacyPassPolicy Policy(PrivacyPassTestIssuer issuer, string publicBaseUrl = "https://relay.example:8443") => new(
        Options.Create(new PrivacyPassOptions
        {
            IssuerName = "issuer.test.example",
            IssuerPublicKeys = issuer.SpkiBase64,
            CreateMailbox = PrivacyPassMode.Required,
            ChallengeWindowSeconds = 600,
        }),
        RelayKeys.From(new RelayOptions { ClaimHashKey = Convert.ToBase64String(new byte[32]), TokenEncryptionKey = Convert.ToBase64String(new byte[32]) }),
        PublicBaseUrl.From(new RelayOptions { PublicBaseUrl = publicBaseUrl }));
}
