using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>
/// draft §7: AES-GCM, 96-bit IV prepended, 128-bit tag appended, no additional data. Known answers are the
/// McGrew–Viega GCM specification test cases without AAD (1–3 for AES-128, 13–15 for AES-256), which NIST SP 800-38D's
/// validation vectors also contain.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PayloadCipherTests
{
    private const string Case3Plaintext =
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255";

    public static TheoryData<string, string, string, string, string, string> GcmSpecificationVectors => new()
    {
        { /* case 1 */ "00000000000000000000000000000000", "000000000000000000000000", "", "", "58e2fccefa7e3061367f1d57a4e7455a", "AES128" },
        { /* case 2 */ "00000000000000000000000000000000", "000000000000000000000000", "00000000000000000000000000000000", "0388dace60b6a392f328c2b971b2fe78", "ab6e47d42cec13bdf53a67b21257bddf", "AES128" },
        {
            /* case 3 */ "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", Case3Plaintext,
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985",
            "4d5c2af327cd64a62cf35abd2ba6fab4", "AES128"
        },
        { /* case 13 */ new string('0', 64), "000000000000000000000000", "", "", "530f8afbc74536b9a963b4f1c4cb738b", "AES256" },
        { /* case 14 */ new string('0', 64), "000000000000000000000000", "00000000000000000000000000000000", "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919", "AES256" },
        {
            /* case 15 */ "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888", Case3Plaintext,
            "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
            "b094dac5d93471bdec1a502270e3cc6c", "AES256"
        },
    };

    [Theory]
    [MemberData(nameof(GcmSpecificationVectors))]
    public void Encrypting_a_published_vector_gives_IV_then_ciphertext_then_tag(string key, string iv, string plaintext, string ciphertext, string tag, string type)
    {
        var payload = PayloadCipher.Encrypt(Convert.FromHexString(plaintext), ShareSecret.FromKey(Convert.FromHexString(key)), Convert.FromHexString(iv));

        Assert.Equal(type, payload.Type);
        Assert.Equal((iv + ciphertext + tag).ToUpperInvariant(), Convert.ToHexString(payload.Data));
    }

    [Theory]
    [MemberData(nameof(GcmSpecificationVectors))]
    public void Decrypting_a_published_vector_in_the_draft_layout_gives_the_plaintext(string key, string iv, string plaintext, string ciphertext, string tag, string type)
    {
        var payload = new EncryptedPayload(type, Convert.FromHexString(iv + ciphertext + tag));

        var decrypted = PayloadCipher.Decrypt(payload, ShareSecret.FromKey(Convert.FromHexString(key)));

        Assert.Equal(plaintext.ToUpperInvariant(), Convert.ToHexString(decrypted));
    }

    [Theory]
    [InlineData("AEAD_AES_128_GCM", KeySize.Aes128)]
    [InlineData("AEAD_AES_256_GCM", KeySize.Aes256)]
    public void Later_revisions_type_names_decrypt_the_same_layout(string type, KeySize size)
    {
        var secret = ShareSecret.Generate(size);
        var sealedPayload = PayloadCipher.Encrypt("hello"u8, secret);

        Assert.Equal("hello"u8.ToArray(), PayloadCipher.Decrypt(sealedPayload with { Type = type }, secret));
    }

    [Fact]
    public void Every_encryption_uses_a_fresh_random_IV()
    {
        var secret = ShareSecret.Generate();
        var ivs = Enumerable.Range(0, 64).Select(_ => Convert.ToHexString(PayloadCipher.Encrypt("same"u8, secret).Data, 0, PayloadCipher.IvLength));

        Assert.Equal(64, ivs.Distinct().Count());
    }

    [Theory]
    [InlineData(0)] // in the IV
    [InlineData(12)] // in the ciphertext
    [InlineData(-1)] // in the tag
    public void A_flipped_bit_anywhere_fails_verification(int position)
    {
        var secret = ShareSecret.Generate(KeySize.Aes256);
        var payload = PayloadCipher.Encrypt("provisioning information"u8, secret);
        var data = payload.Data.ToArray();
        data[position < 0 ? data.Length + position : position] ^= 0x01;

        var error = Assert.Throws<PayloadDecryptionException>(() => PayloadCipher.Decrypt(payload with { Data = data }, secret));
        Assert.Contains("did not verify", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_wrong_key_of_the_right_size_fails_verification()
    {
        var payload = PayloadCipher.Encrypt("provisioning information"u8, ShareSecret.Generate());

        Assert.Throws<PayloadDecryptionException>(() => PayloadCipher.Decrypt(payload, ShareSecret.Generate()));
    }

    [Fact]
    public void A_key_whose_size_does_not_match_the_type_is_refused_before_decrypting()
    {
        var payload = PayloadCipher.Encrypt("x"u8, ShareSecret.Generate(KeySize.Aes128));

        var error = Assert.Throws<PayloadDecryptionException>(() => PayloadCipher.Decrypt(payload, ShareSecret.Generate(KeySize.Aes256)));
        Assert.Contains("AES128", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(27)]
    public void Data_shorter_than_IV_and_tag_is_reported_as_truncated(int length)
    {
        var error = Assert.Throws<PayloadDecryptionException>(() => PayloadCipher.Decrypt(new EncryptedPayload("AES128", new byte[length]), ShareSecret.Generate()));
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_cut_short_by_one_byte_fails_verification()
    {
        var secret = ShareSecret.Generate();
        var payload = PayloadCipher.Encrypt("provisioning information"u8, secret);

        Assert.Throws<PayloadDecryptionException>(() => PayloadCipher.Decrypt(payload with { Data = payload.Data[..^1] }, secret));
    }

    [Fact]
    public void An_unknown_type_is_refused()
    {
        var secret = ShareSecret.Generate();
        var payload = PayloadCipher.Encrypt("x"u8, secret);

        Assert.Throws<PayloadDecryptionException>(() => PayloadCipher.Decrypt(payload with { Type = "AES192" }, secret));
    }
}
