using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>Access rights (draft §4, accessRights R/W/D): what the sender granted is what the parties may do.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class AccessRightsRuleTests
{
    private readonly ProtocolHarness _harness = new();

    private static UpdateMailboxRequest Update(int length = 40) => new(ProtocolHarness.Payload(length), new NotificationToken(NotificationToken.Fcm, "t"));

    [Fact]
    public async Task A_mailbox_without_R_refuses_every_read_even_the_senders()
    {
        var sender = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender, rights: AccessRights.Write | AccessRights.Delete);

        Assert.Equal(401, (await _harness.Mailboxes.ReadAsync(id, sender, default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.ReadAsync(id, DeviceClaim.New(), default)).Status);
        Assert.Null((await _harness.Store.GetAsync(id, MailboxView.Full, default))!.ReceiverClaimHash);
    }

    [Fact]
    public async Task Without_W_no_party_may_update_and_the_payload_stays()
    {
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender, receiver, rights: AccessRights.Read | AccessRights.Delete);

        Assert.Equal(401, (await _harness.Mailboxes.UpdateAsync(id, sender, Update(77), null, default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.UpdateAsync(id, receiver, Update(77), null, default)).Status);
        Assert.Equal(40, (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Payload!.Data.Length);
    }

    [Fact]
    public async Task With_W_sender_and_bound_receiver_overwrite_the_payload_in_turn_and_strangers_are_refused()
    {
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender, receiver);

        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, sender, Update(41), null, default)).Status);
        Assert.Equal(41, (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Payload!.Data.Length);
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, receiver, Update(42), null, default)).Status);
        Assert.Equal(42, (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Payload!.Data.Length);
        Assert.Equal(401, (await _harness.Mailboxes.UpdateAsync(id, DeviceClaim.New(), Update(43), null, default)).Status);
        Assert.Equal(42, (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Payload!.Data.Length);
    }

    [Fact]
    public async Task An_unbound_receiver_must_read_before_it_may_update()
    {
        var id = await _harness.CreatedAsync(DeviceClaim.New());

        Assert.Equal(401, (await _harness.Mailboxes.UpdateAsync(id, DeviceClaim.New(), Update(), null, default)).Status);
        Assert.Null((await _harness.Store.GetAsync(id, MailboxView.Full, default))!.ReceiverClaimHash);
    }

    [Fact]
    public async Task The_sender_may_delete_without_D_the_bound_receiver_only_with_D_strangers_never()
    {
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var withoutD = await _harness.CreatedAsync(sender, receiver, rights: AccessRights.Read | AccessRights.Write);
        var withD = await _harness.CreatedAsync(DeviceClaim.New(), receiver, rights: AccessRights.Read | AccessRights.Delete);

        Assert.Equal(401, (await _harness.Mailboxes.DeleteAsync(withoutD, receiver, default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.DeleteAsync(withoutD, DeviceClaim.New(), default)).Status);
        Assert.False((await _harness.Store.GetAsync(withoutD, MailboxView.Full, default))!.IsTombstone);
        Assert.Equal(200, (await _harness.Mailboxes.DeleteAsync(withoutD, sender, default)).Status); // §3.2 Req-Revoke
        Assert.Equal(200, (await _harness.Mailboxes.DeleteAsync(withD, receiver, default)).Status);
        Assert.True((await _harness.Store.GetAsync(withD, MailboxView.Full, default))!.IsTombstone);
    }
}
