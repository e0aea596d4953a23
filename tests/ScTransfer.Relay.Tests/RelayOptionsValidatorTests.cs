using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// <c>Relay__*</c> at start-up: the keys' encodings and lengths, the public base URL, the lifetimes. Each wrong setting
/// is named with what would be right, every one at once, and no message quotes a key.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelayOptionsValidatorTests
{
    private static readonly string Key16 = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    private static List<string> Failures(RelayOptions options) => [.. new RelayOptionsValidator().Validate(null, options).Failures ?? []];

    private static RelayOptions Valid() => StoreHarness.RelayOptionsForTests();

    [Fact]
    public void The_test_settings_and_the_sample_keys_are_valid()
    {
        Assert.Empty(Failures(Valid()));
        // local.settings.sample.json's keys: 37 and 32 bytes.
        Assert.Empty(Failures(new RelayOptions
        {
            PublicBaseUrl = "http://127.0.0.1:7071",
            ClaimHashKey = "bG9jYWwtZGV2ZWxvcG1lbnQtb25seS1jaGFuZ2UtbWUtISEhIQ==",
            TokenEncryptionKey = "bG9jYWwtZGV2LW9ubHktdG9rZW4ta2V5LWNoYW5nZSE=",
        }));
    }

    [Theory]
    [InlineData("", "Relay__ClaimHashKey is not set; give a base64 key of at least 32 bytes")]
    [InlineData("not base64!", "Relay__ClaimHashKey is not base64; give a base64 key of at least 32 bytes")]
    [InlineData("c2hvcnQ=", "Relay__ClaimHashKey is 5 bytes; give a base64 key of at least 32 bytes")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "Relay__ClaimHashKey is 31 bytes")]
    public void A_claim_hash_key_that_is_missing_not_base64_or_under_32_bytes_is_named_with_what_to_give(string key, string expected)
    {
        var options = Valid();
        options.ClaimHashKey = key;

        var failure = Assert.Single(Failures(options));

        Assert.StartsWith(expected, failure, StringComparison.Ordinal);
        Assert.Contains("openssl rand -base64 32", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(32)]
    [InlineData(33)]
    [InlineData(64)]
    public void A_claim_hash_key_of_32_bytes_or_more_is_taken(int bytes)
    {
        var options = Valid();
        options.ClaimHashKey = Convert.ToBase64String(new byte[bytes]);

        Assert.Empty(Failures(options));
        Assert.Equal(bytes, RelayKeys.From(options).ClaimHashKey.Length);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(48)]
    public void A_token_encryption_key_must_be_exactly_32_bytes(int bytes)
    {
        var options = Valid();
        options.TokenEncryptionKey = Convert.ToBase64String(new byte[bytes]);

        var failure = Assert.Single(Failures(options));

        Assert.StartsWith($"Relay__TokenEncryptionKey is {bytes} bytes; give a base64 key of exactly 32 bytes (AES-256)", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unresolved_Key_Vault_reference_says_so_rather_than_calling_the_key_malformed()
    {
        var options = Valid();
        options.TokenEncryptionKey = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/relay-token-encryption-key)";

        var failure = Assert.Single(Failures(options));

        Assert.StartsWith("Relay__TokenEncryptionKey is an unresolved Key Vault reference", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("base64", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://relay.example.com")]
    [InlineData("https://relay.example.com:8443/base/")]
    [InlineData("http://127.0.0.1:7071")]
    [InlineData("http://localhost:7071")]
    [InlineData("http://[::1]:7071")]
    public void An_absolute_https_URL_or_http_on_a_loopback_host_is_a_public_base_URL(string url)
    {
        var options = Valid();
        options.PublicBaseUrl = url;

        Assert.Empty(Failures(options));
        Assert.Equal(new Uri(url), PublicBaseUrl.From(options).Uri);
    }

    [Theory]
    [InlineData("", "it is not set")]
    [InlineData("relay.example.com", "it is not an absolute URL")] // no scheme
    [InlineData("http://relay.example.com", "it is http for a host that is not loopback")]
    [InlineData("ftp://relay.example.com", "its scheme is ftp")]
    [InlineData("https://user:secret@relay.example.com", "it has user info")]
    [InlineData("https://relay.example.com/?x=1", "it has a query")]
    [InlineData("https://relay.example.com/#x", "it has a fragment")]
    public void Any_other_public_base_URL_is_refused_saying_what_is_wrong_without_quoting_it(string url, string problem)
    {
        var options = Valid();
        options.PublicBaseUrl = url;

        var failure = Assert.Single(Failures(options));

        Assert.StartsWith("Relay__PublicBaseUrl must be the relay's public URL: absolute, https (http only for a loopback host", failure, StringComparison.Ordinal);
        Assert.EndsWith(problem + ".", failure, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Privacy_Pass_origin_is_the_host_and_a_port_other_than_the_default()
    {
        Assert.Equal("relay.example", PublicBaseUrl.From(new RelayOptions { PublicBaseUrl = "https://relay.example/base" }).Origin);
        Assert.Equal("relay.example:8443", PublicBaseUrl.From(new RelayOptions { PublicBaseUrl = "https://relay.example:8443" }).Origin);
    }

    [Fact]
    public void A_default_lifetime_longer_than_the_longest_allowed_is_refused()
    {
        var options = Valid();
        options.MaxTimeToLiveSeconds = 3600;
        options.DefaultTimeToLiveSeconds = 7200;

        var failure = Assert.Single(Failures(options));

        Assert.StartsWith("Relay__DefaultTimeToLiveSeconds (7200) is longer than Relay__MaxTimeToLiveSeconds (3600)", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Ranges_name_the_setting_its_bounds_and_its_value()
    {
        var options = Valid();
        options.MaxTimeToLiveSeconds = 10;
        options.DefaultTimeToLiveSeconds = 10;
        options.MaxPayloadBytes = 0;

        Assert.Equal(
            [
                "Relay__MaxTimeToLiveSeconds must be between 60 and 31536000; it is 10.",
                "Relay__DefaultTimeToLiveSeconds must be between 60 and 31536000; it is 10.",
                "Relay__MaxPayloadBytes must be between 28 and 921600; it is 0.",
            ],
            Failures(options));
    }

    [Fact]
    public void Every_wrong_setting_is_reported_at_once_and_no_key_is_quoted()
    {
        var options = new RelayOptions { PublicBaseUrl = "relay.example.com", ClaimHashKey = Key16, TokenEncryptionKey = Key16 };

        var failures = Failures(options);

        Assert.Equal(3, failures.Count);
        Assert.Contains(failures, f => f.StartsWith("Relay__PublicBaseUrl", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay__ClaimHashKey is 16 bytes", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Relay__TokenEncryptionKey is 16 bytes", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains(Key16, StringComparison.Ordinal));
        var thrown = Assert.Throws<InvalidOperationException>(() => RelayKeys.From(options));
        Assert.DoesNotContain(Key16, thrown.Message, StringComparison.Ordinal);
    }
}
