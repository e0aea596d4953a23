using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// <c>PrivacyPass__*</c> at start-up: every issuer key readable (each wrong one named by its position), an issuer
/// name that is a server name, both present while a mode is on, the window and table prefix in range.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PrivacyPassOptionsValidatorTests
{
    private static List<string> Failures(PrivacyPassOptions options) => [.. new PrivacyPassOptionsValidator().Validate(null, options).Failures ?? []];

    [Fact]
    public void Off_with_nothing_set_and_on_with_an_issuer_and_its_key_are_valid()
    {
        Assert.Empty(Failures(new PrivacyPassOptions()));
        Assert.Empty(Failures(new PrivacyPassOptions
        {
            CreateMailbox = PrivacyPassMode.Required,
            ReadSecureContent = PrivacyPassMode.Optional,
            IssuerName = "issuer.example.net:8443",
            IssuerPublicKeys = PrivacyPassTestIssuer.Shared.SpkiBase64,
        }));
    }

    [Fact]
    public void Every_wrong_key_is_named_by_its_position_not_only_the_first()
    {
        var issuer = PrivacyPassTestIssuer.Shared;
        var options = new PrivacyPassOptions
        {
            IssuerPublicKeys = "not*base64, " + issuer.SpkiBase64 + ", " + Convert.ToBase64String(issuer.RsaEncryptionSpki),
        };

        var failures = Failures(options);

        Assert.Equal(2, failures.Count);
        Assert.StartsWith("PrivacyPass__IssuerPublicKeys key #1 is not base64", failures[0], StringComparison.Ordinal);
        Assert.StartsWith("PrivacyPass__IssuerPublicKeys key #3 has algorithm 1.2.840.113549.1.1.1;", failures[1], StringComparison.Ordinal);
    }

    [Fact]
    public void A_mode_that_is_on_needs_the_issuer_and_its_key()
    {
        var failures = Failures(new PrivacyPassOptions { ReadSecureContent = PrivacyPassMode.Optional });

        Assert.Equal(2, failures.Count);
        Assert.StartsWith("PrivacyPass__IssuerPublicKeys is required while PrivacyPass__CreateMailbox or PrivacyPass__ReadSecureContent is not 'off'", failures[0], StringComparison.Ordinal);
        Assert.StartsWith("PrivacyPass__IssuerName is required while", failures[1], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://issuer.example.net")]
    [InlineData("issuer.example.net/tokens")]
    [InlineData("user@issuer.example.net")]
    public void An_issuer_name_that_is_not_a_server_name_is_refused(string name)
    {
        var failure = Assert.Single(Failures(new PrivacyPassOptions { IssuerName = name }));

        Assert.StartsWith("PrivacyPass__IssuerName must be a server name", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void The_window_and_the_table_prefix_are_checked_with_the_rest()
    {
        var failures = Failures(new PrivacyPassOptions { ChallengeWindowSeconds = 10, NonceTablePrefix = "9nonces" });

        Assert.Equal(
            [
                "PrivacyPass__ChallengeWindowSeconds must be between 60 and 86400; it is 10.",
                "PrivacyPass__NonceTablePrefix must match ^[A-Za-z][A-Za-z0-9]{2,40}$.",
            ],
            failures);
    }
}
