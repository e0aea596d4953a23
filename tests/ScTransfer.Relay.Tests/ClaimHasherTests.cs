using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>Keyed claim hashes (draft §8.2: the relay cannot relate devices across mailboxes).</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class ClaimHasherTests
{
    private readonly ClaimHasher _hasher = new(RelayKeys.From(StoreHarness.RelayOptionsForTests()));

    [Fact]
    public void The_same_claim_hashes_differently_in_every_mailbox_and_under_every_key()
    {
        var claim = DeviceClaim.New();
        var one = MailboxId.New();
        var otherRelay = new ClaimHasher(RelayKeys.From(StoreHarness.RelayOptionsForTests()));

        Assert.Equal(_hasher.Hash(one, claim), _hasher.Hash(one, claim));
        Assert.NotEqual(_hasher.Hash(one, claim), _hasher.Hash(MailboxId.New(), claim));
        Assert.NotEqual(_hasher.Hash(one, claim), otherRelay.Hash(one, claim));
    }

    [Fact]
    public void Roles_follow_the_stored_hashes()
    {
        var id = MailboxId.New();
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var mailbox = new Mailbox
        {
            Id = id,
            SenderClaimHash = _hasher.Hash(id, sender),
            AccessRights = AccessRights.Read,
            CreatedAt = DateTimeOffset.UnixEpoch,
            ExpiresAt = DateTimeOffset.MaxValue,
            DisplayInformationJson = "{}",
            Payload = new SecurePayload("AES128", new byte[28]),
        };

        Assert.Equal(MailboxRole.Sender, _hasher.RoleOf(mailbox, sender));
        Assert.Equal(MailboxRole.None, _hasher.RoleOf(mailbox, receiver));
        mailbox.ReceiverClaimHash = _hasher.Hash(id, receiver);
        Assert.Equal(MailboxRole.Receiver, _hasher.RoleOf(mailbox, receiver));
        Assert.Equal("DeviceClaim(redacted)", receiver.ToString());
    }
}
