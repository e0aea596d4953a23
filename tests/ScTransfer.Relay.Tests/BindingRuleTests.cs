using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>Receiver binding (draft §6.5): the first claim other than the sender's to read binds; nobody else reads after.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class BindingRuleTests
{
    private readonly ProtocolHarness _harness = new();

    [Fact]
    public async Task The_sender_reads_without_binding_and_the_first_other_claim_binds_as_receiver()
    {
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender);

        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, sender, default)).Status);
        Assert.Null((await _harness.Store.GetAsync(id, MailboxView.Full, default))!.ReceiverClaimHash);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status); // the bound receiver reads again
        Assert.Equal(401, (await _harness.Mailboxes.ReadAsync(id, DeviceClaim.New(), default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, sender, default)).Status);
    }

    [Fact]
    public async Task Previewing_never_binds_so_the_real_receiver_still_can()
    {
        var id = await _harness.CreatedAsync(DeviceClaim.New());
        var version = (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Version;

        Assert.Equal(200, (await _harness.Mailboxes.PreviewAsync(id, default)).Status);
        Assert.Equal(version, (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Version);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, DeviceClaim.New(), default)).Status);
    }

    [Fact]
    public async Task Of_concurrent_first_reads_by_different_claims_exactly_one_binds()
    {
        var id = await _harness.CreatedAsync(DeviceClaim.New());

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _harness.Mailboxes.ReadAsync(id, DeviceClaim.New(), default)))).DefaultTimeout();

        Assert.Single(outcomes, o => o.Status == 200);
        Assert.Equal(7, outcomes.Count(o => o.Status == 401));
    }

    [Fact]
    public async Task A_bind_the_first_read_policy_refuses_is_401_and_leaves_the_mailbox_unbound()
    {
        var id = await _harness.CreatedAsync(DeviceClaim.New());
        var receiver = DeviceClaim.New();
        var asked = 0;

        var refused = await _harness.Mailboxes.ReadAsync(id, receiver, default, _ => { asked++; return Task.FromResult(false); });

        Assert.Equal((401, 1), (refused.Status, asked));
        Assert.Null((await _harness.Store.GetAsync(id, MailboxView.Full, default))!.ReceiverClaimHash);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, receiver, default, _ => Task.FromResult(true))).Status);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, receiver, default, _ => throw new InvalidOperationException("asked again"))).Status); // not asked once bound
    }

    [Fact]
    public async Task Unknown_mailboxes_are_404_for_every_operation()
    {
        var id = MailboxId.New();
        var claim = DeviceClaim.New();

        Assert.Equal(404, (await _harness.Mailboxes.PreviewAsync(id, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.ReadAsync(id, claim, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.UpdateAsync(id, claim, new UpdateMailboxRequest(ProtocolHarness.Payload(), new NotificationToken(NotificationToken.Fcm, "t")), null, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.RelinquishAsync(id, claim, null, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.DeleteAsync(id, claim, default)).Status);
        Assert.Equal(0, _harness.Store.Count);
    }
}
