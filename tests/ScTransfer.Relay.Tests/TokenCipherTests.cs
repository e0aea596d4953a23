using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>Push tokens at rest (docs/security.md): sealed with AES-GCM, bound to their mailbox and party.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class TokenCipherTests
{
    private static TokenCipher Cipher() => new(RelayKeys.From(StoreHarness.RelayOptionsForTests()));

    [Fact]
    public void A_sealed_token_opens_only_for_its_mailbox_party_and_key_and_never_twice_the_same()
    {
        var cipher = Cipher();
        var id = MailboxId.New();
        var token = new NotificationToken(NotificationToken.Apns, "0a1b2c3d4e5f");

        var first = cipher.Seal(id, MailboxRole.Receiver, token)!;
        var second = cipher.Seal(id, MailboxRole.Receiver, token)!;

        Assert.Equal(token, cipher.Open(id, MailboxRole.Receiver, first));
        Assert.NotEqual(first.Sealed, second.Sealed); // a fresh nonce each time: equal tokens do not look equal at rest
        Assert.Null(cipher.Open(id, MailboxRole.Sender, first));
        Assert.Null(cipher.Open(MailboxId.New(), MailboxRole.Receiver, first));
        Assert.Null(cipher.Open(id, MailboxRole.Receiver, first with { Type = NotificationToken.Fcm }));
        Assert.Null(Cipher().Open(id, MailboxRole.Receiver, first));
        var tampered = (byte[])first.Sealed.Clone();
        tampered[^1] ^= 1;
        Assert.Null(cipher.Open(id, MailboxRole.Receiver, first with { Sealed = tampered }));
    }
}
