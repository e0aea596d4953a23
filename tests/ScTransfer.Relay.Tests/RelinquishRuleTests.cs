using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>RelinquishMailbox (later revisions): the bound receiver lets go so that another may bind.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class RelinquishRuleTests
{
    private readonly ProtocolHarness _harness = new();

    [Fact]
    public async Task The_bound_receiver_relinquishes_and_a_different_receiver_then_binds()
    {
        var receiver = DeviceClaim.New();
        var next = DeviceClaim.New();
        var id = await _harness.CreatedAsync(DeviceClaim.New(), receiver);

        Assert.Equal(200, (await _harness.Mailboxes.RelinquishAsync(id, receiver, "r-1", default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, next, default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status);
    }

    [Fact]
    public async Task The_receivers_token_and_binding_leave_with_it_and_the_next_bind_clears_the_retry_record()
    {
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(DeviceClaim.New(), receiver);
        var update = new UpdateMailboxRequest(ProtocolHarness.Payload(), new NotificationToken(NotificationToken.Fcm, "receiver-device"));
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, receiver, update, "u-1", default)).Status);

        Assert.Equal(200, (await _harness.Mailboxes.RelinquishAsync(id, receiver, "r-1", default)).Status);
        var relinquished = (await _harness.Store.GetAsync(id, MailboxView.Full, default))!;
        Assert.Null(relinquished.ReceiverClaimHash);
        Assert.Null(relinquished.ReceiverToken);
        Assert.Null(relinquished.ReceiverLastCorrelation);
        Assert.NotNull(relinquished.RelinquishedClaimHash);

        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, DeviceClaim.New(), default)).Status);
        var rebound = (await _harness.Store.GetAsync(id, MailboxView.Full, default))!;
        Assert.Null(rebound.RelinquishedClaimHash);
        Assert.Null(rebound.RelinquishedCorrelation);
        Assert.Equal(401, (await _harness.Mailboxes.RelinquishAsync(id, receiver, "r-1", default)).Status); // its retry is now refused
    }

    [Fact]
    public async Task A_retry_gets_201_though_the_caller_is_no_longer_bound_and_a_new_correlation_id_gets_401()
    {
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(DeviceClaim.New(), receiver);
        Assert.Equal(200, (await _harness.Mailboxes.RelinquishAsync(id, receiver, "r-1", default)).Status);
        var version = (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Version;

        Assert.Equal(201, (await _harness.Mailboxes.RelinquishAsync(id, receiver, "r-1", default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.RelinquishAsync(id, receiver, "r-2", default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.RelinquishAsync(id, DeviceClaim.New(), "r-1", default)).Status); // the ID alone proves nothing
        Assert.Equal(version, (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Version);
    }

    [Fact]
    public async Task Without_a_correlation_id_nothing_of_the_receiver_is_kept_so_a_retry_is_refused()
    {
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(DeviceClaim.New(), receiver);

        Assert.Equal(200, (await _harness.Mailboxes.RelinquishAsync(id, receiver, null, default)).Status);
        Assert.Null((await _harness.Store.GetAsync(id, MailboxView.Full, default))!.RelinquishedClaimHash);
        Assert.Equal(401, (await _harness.Mailboxes.RelinquishAsync(id, receiver, null, default)).Status);
    }

    [Fact]
    public async Task The_sender_strangers_and_callers_of_an_unbound_mailbox_are_refused_with_401()
    {
        var sender = DeviceClaim.New();
        var unbound = await _harness.CreatedAsync(sender);
        var bound = await _harness.CreatedAsync(sender, DeviceClaim.New());

        Assert.Equal(401, (await _harness.Mailboxes.RelinquishAsync(bound, sender, "r-1", default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.RelinquishAsync(bound, DeviceClaim.New(), "r-1", default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.RelinquishAsync(unbound, DeviceClaim.New(), "r-1", default)).Status);
        Assert.NotNull((await _harness.Store.GetAsync(bound, MailboxView.Full, default))!.ReceiverClaimHash);
    }

    [Fact]
    public async Task A_retry_of_the_receivers_last_request_is_201_and_changes_nothing()
    {
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(DeviceClaim.New(), receiver);
        var update = new UpdateMailboxRequest(ProtocolHarness.Payload(), new NotificationToken(NotificationToken.Fcm, "t"));
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, receiver, update, "u-1", default)).Status);

        Assert.Equal(201, (await _harness.Mailboxes.RelinquishAsync(id, receiver, "u-1", default)).Status);
        Assert.NotNull((await _harness.Store.GetAsync(id, MailboxView.Full, default))!.ReceiverClaimHash);
    }
}
