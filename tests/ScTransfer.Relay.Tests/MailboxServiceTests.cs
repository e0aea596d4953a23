using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>Tombstones, the push budget and own-write recognition, over the in-memory store with a fake clock.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class MailboxServiceTests
{
    private readonly ProtocolHarness _harness = new();

    private static readonly NotificationToken ReceiverToken = new(NotificationToken.Fcm, "receiver-device");

    private static SecurePayload Payload(int length = 40) => new("AES256", new byte[length]);

    private CreateMailboxRequest Create(MailboxId id, NotificationToken? token = null) =>
        new(id, """{"title":"Car Key"}""", Payload(), token, AccessRights.Read | AccessRights.Write | AccessRights.Delete,
            _harness.Time.GetUtcNow().AddHours(1));

    [Fact]
    public async Task A_deleted_mailbox_leaves_a_tombstone_that_answers_404_and_refuses_every_create_even_the_senders_retry()
    {
        var id = MailboxId.New();
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        Assert.Equal(200, (await _harness.Mailboxes.CreateAsync(Create(id), sender, "c-1", default)).Status);
        Assert.Equal(201, (await _harness.Mailboxes.CreateAsync(Create(id), sender, "c-1", default)).Status); // §5 retry while it lives
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.DeleteAsync(id, sender, default)).Status);

        var update = new UpdateMailboxRequest(Payload(), ReceiverToken);
        Assert.Equal(404, (await _harness.Mailboxes.PreviewAsync(id, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.ReadAsync(id, DeviceClaim.New(), default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.UpdateAsync(id, sender, update, null, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.RelinquishAsync(id, receiver, null, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.DeleteAsync(id, sender, default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.CreateAsync(Create(id), DeviceClaim.New(), null, default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.CreateAsync(Create(id), sender, "c-1", default)).Status); // a tombstone remembers no one
    }

    [Fact]
    public async Task A_receiver_looping_updates_pushes_at_most_once_per_interval_and_at_most_the_budget_over_the_mailboxes_life()
    {
        var id = MailboxId.New();
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        Assert.Equal(200, (await _harness.Mailboxes.CreateAsync(Create(id, new NotificationToken(NotificationToken.Apns, "sender-device")), sender, null, default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status);

        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, receiver, new UpdateMailboxRequest(Payload(), ReceiverToken), $"burst-{i}", default)).Status);
        }

        Assert.Single(_harness.Push.Sent); // ten updates within the interval: one push

        for (var i = 0; i < 40; i++)
        {
            _harness.Time.Advance(TimeSpan.FromSeconds(_harness.PushBudget.MinIntervalSeconds));
            Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, receiver, new UpdateMailboxRequest(Payload(), ReceiverToken), $"slow-{i}", default)).Status);
        }

        Assert.Equal(_harness.PushBudget.MaxPerMailbox, _harness.Push.Sent.Count);
        Assert.All(_harness.Push.Sent, token => Assert.Equal(new NotificationToken(NotificationToken.Apns, "sender-device"), token));
    }

    [Fact]
    public async Task A_create_whose_insert_was_applied_but_answered_as_a_conflict_is_recognised_as_its_own()
    {
        var id = MailboxId.New();
        _harness.Store.AnswerNextWriteLate();

        var outcome = await _harness.Mailboxes.CreateAsync(Create(id), DeviceClaim.New(), "c-1", default);

        Assert.Equal(200, outcome.Status); // not 401 for "identifier taken", not 201
        Assert.NotNull(await _harness.Store.GetAsync(id, MailboxView.Full, default));
    }

    [Fact]
    public async Task An_update_whose_write_was_applied_but_answered_412_answers_200_and_pushes_once()
    {
        var id = MailboxId.New();
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        Assert.Equal(200, (await _harness.Mailboxes.CreateAsync(Create(id, new NotificationToken(NotificationToken.Apns, "s")), sender, null, default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status);
        _harness.Store.AnswerNextWriteLate();
        var writes = _harness.Store.Writes;

        var outcome = await _harness.Mailboxes.UpdateAsync(id, receiver, new UpdateMailboxRequest(Payload(77), ReceiverToken), "u-1", default);

        Assert.Equal(writes + 1, _harness.Store.Writes); // recognised on the re-read, not written twice
        Assert.Equal(200, outcome.Status); // not 201 from its own Correlation-ID
        Assert.Single(_harness.Push.Sent);
        Assert.Equal(77, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Value!.Payload!.Data.Length);
    }

    [Fact]
    public async Task A_delete_whose_tombstone_was_applied_but_answered_412_answers_200_not_404()
    {
        var sender = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender);
        _harness.Store.AnswerNextWriteLate();

        Assert.Equal(200, (await _harness.Mailboxes.DeleteAsync(id, sender, default)).Status);
        Assert.True((await _harness.Store.GetAsync(id, MailboxView.Full, default))!.IsTombstone);
    }

    [Fact]
    public async Task A_relinquish_whose_write_was_applied_but_answered_412_answers_200_not_201()
    {
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(DeviceClaim.New(), receiver);
        _harness.Store.AnswerNextWriteLate();

        Assert.Equal(200, (await _harness.Mailboxes.RelinquishAsync(id, receiver, "r-1", default)).Status);
        Assert.Null((await _harness.Store.GetAsync(id, MailboxView.Full, default))!.ReceiverClaimHash);
    }

    [Fact]
    public async Task A_storage_outage_surfaces_as_unavailable_and_changes_nothing()
    {
        var sender = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender);
        var before = (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Version;
        _harness.Store.FailNextOperation();

        await Assert.ThrowsAsync<StorageUnavailableException>(() => _harness.Mailboxes.DeleteAsync(id, sender, default));
        Assert.Equal(before, (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Version);
    }

    [Fact]
    public async Task Of_concurrent_deletes_exactly_one_answers_200_and_the_rest_find_only_the_tombstone()
    {
        var sender = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => _harness.Mailboxes.DeleteAsync(id, sender, default)))).DefaultTimeout();

        Assert.Single(outcomes, o => o.Status == 200);
        Assert.Equal(5, outcomes.Count(o => o.Status == 404)); // §6.3.3
    }

    [Fact]
    public async Task Concurrent_updates_by_sender_and_receiver_all_succeed_and_neither_token_is_forgotten()
    {
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender, receiver);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Task.Run(() => _harness.Mailboxes.UpdateAsync(
            id, i % 2 == 0 ? sender : receiver,
            new UpdateMailboxRequest(Payload(i + 1), new NotificationToken(NotificationToken.Fcm, i % 2 == 0 ? "sender" : "receiver")), $"u-{i}", default)))).DefaultTimeout();

        Assert.All(outcomes, o => Assert.Equal(200, o.Status));
        var stored = (await _harness.Store.GetAsync(id, MailboxView.Full, default))!;
        Assert.Equal(new NotificationToken(NotificationToken.Fcm, "sender"), _harness.Tokens.Open(id, MailboxRole.Sender, stored.SenderToken));
        Assert.Equal(new NotificationToken(NotificationToken.Fcm, "receiver"), _harness.Tokens.Open(id, MailboxRole.Receiver, stored.ReceiverToken));
        Assert.InRange(stored.Payload!.Data.Length, 1, 10);
    }
}
