using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>draft §8.3: the Secret rides in the URI fragment, base64url without padding, and is removed before any request.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class ShareLinkTests
{
    private const string MailboxId = "3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b";

    [Theory]
    [InlineData(KeySize.Aes128, 22)]
    [InlineData(KeySize.Aes256, 43)]
    public void The_secret_is_the_raw_key_in_base64url_without_padding(KeySize size, int length)
    {
        var secret = ShareSecret.Generate(size);
        var text = secret.ToBase64Url();

        Assert.Equal(length, text.Length);
        Assert.DoesNotContain('=', text);
        Assert.True(ShareSecret.TryParse(text, out var parsed));
        Assert.Equal(secret.Key.ToArray(), parsed!.Key.ToArray());
    }

    [Fact]
    public void A_link_splits_into_mailbox_url_identifier_and_secret()
    {
        var secret = ShareSecret.Generate();

        var link = ShareLink.Parse($"https://relay.example/v1/m/{MailboxId}#{secret.ToBase64Url()}");

        Assert.Equal(Guid.Parse(MailboxId), link.MailboxId);
        Assert.Equal($"https://relay.example/v1/m/{MailboxId}", link.Location.MailboxUrl.AbsoluteUri);
        Assert.Equal("", link.Location.MailboxUrl.Fragment);
        Assert.Equal(secret.ToBase64Url(), link.Secret.ToBase64Url());
        Assert.Equal(new Uri("https://relay.example/"), link.Location.RelayBaseAddress);
    }

    [Theory]
    [InlineData("https://relay.example/v1/m/{0}?v=a#{1}", "https://relay.example/")] // later revisions' vertical query
    [InlineData("https://relay.example/v1/{0}#{1}", "https://relay.example/")] // draft-00 Figure 10
    [InlineData("https://example.com/relay/v1/m/{0}#{1}", "https://example.com/relay/")] // relay under a path
    public void The_draft_and_later_link_forms_are_accepted(string format, string relay)
    {
        var secret = ShareSecret.Generate();

        var link = ShareLink.Parse(string.Format(System.Globalization.CultureInfo.InvariantCulture, format, MailboxId, secret.ToBase64Url()));

        Assert.Equal(Guid.Parse(MailboxId), link.MailboxId);
        Assert.Equal(new Uri(relay), link.Location.RelayBaseAddress);
    }

    [Theory]
    [InlineData("https://relay.example/v1/m/" + MailboxId)] // no fragment
    [InlineData("https://relay.example/v1/m/" + MailboxId + "#")] // empty fragment
    [InlineData("https://relay.example/v1/m/" + MailboxId + "#c2hvcnQ")] // 5 bytes: not an AES key
    [InlineData("https://relay.example/v1/m/" + MailboxId + "#AAAAAAAAAAAAAAAAAAAA*A")] // not base64url
    [InlineData("https://relay.example/v1/m/not-a-uuid#AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("ftp://relay.example/v1/m/" + MailboxId + "#AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("relay.example/v1/m/" + MailboxId + "#AAAAAAAAAAAAAAAAAAAAAA")]
    public void Unusable_links_are_refused(string text) => Assert.Throws<InvalidShareLinkException>(() => ShareLink.Parse(text));

    [Fact]
    public void Printing_a_link_or_secret_never_shows_the_secret()
    {
        var secret = ShareSecret.Generate();
        var link = ShareLink.Parse($"https://relay.example/v1/m/{MailboxId}#{secret.ToBase64Url()}");

        Assert.DoesNotContain(secret.ToBase64Url(), link.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(secret.ToBase64Url(), secret.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("#" + secret.ToBase64Url(), link.Reveal(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_refused_link_is_not_repeated_in_the_error()
    {
        const string fragment = "c2VjcmV0LXNlY3JldC1zZWNyZXQ"; // 20 bytes: a secret of the wrong size

        var error = Assert.Throws<InvalidShareLinkException>(() => ShareLink.Parse($"https://relay.example/v1/m/{MailboxId}#{fragment}"));

        Assert.DoesNotContain(fragment, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preview_location_needs_no_secret()
    {
        var location = MailboxLocation.Parse($"https://relay.example/v1/m/{MailboxId}");

        Assert.Equal(Guid.Parse(MailboxId), location.MailboxId);
    }
}
