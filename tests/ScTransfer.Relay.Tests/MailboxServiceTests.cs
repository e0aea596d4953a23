using Azure.Data.Tables;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Storage;

namespace ScTransfer.Relay.Tests;

/// <summary>Tombstones, the push budget and own-write recognition, on real storage with a fake clock.</summary>
public sealed class MailboxServiceTests
{
    private readonly StoreHarness _harness = new();

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
    public async Task Stored_tokens_and_correlation_ids_are_unreadable_and_the_token_is_opened_only_for_its_own_mailbox_and_party()
    {
        var id = MailboxId.New();
        var token = new NotificationToken(NotificationToken.Fcm, "fcm-token-of-the-sender-device");
        Assert.Equal(200, (await _harness.Mailboxes.CreateAsync(Create(id, token), DeviceClaim.New(), "corr-id-0123456789", default)).Status);

        var stored = await _harness.Store.GetAsync(id, default);
        var entity = (await _harness.MailboxTable.GetEntityAsync<TableEntity>(_harness.Store.Shard(id), id.ToString())).Value;
        var everything = string.Join("|", entity.Select(p => p.Value).Select(v => v is byte[] b ? Convert.ToHexString(b) + Convert.ToBase64String(b) : v?.ToString()));

        Assert.DoesNotContain("fcm-token", everything);
        Assert.DoesNotContain("corr-id", everything);
        Assert.Equal(token, _harness.Tokens.Open(id, MailboxRole.Sender, stored!.SenderToken));
        Assert.Null(_harness.Tokens.Open(id, MailboxRole.Receiver, stored.SenderToken));
        Assert.Null(_harness.Tokens.Open(MailboxId.New(), MailboxRole.Sender, stored.SenderToken));
    }

    [Fact]
    public async Task A_create_whose_insert_was_applied_but_answered_as_a_conflict_is_recognised_as_its_own()
    {
        var store = new LateAnswerStore(_harness.Store);
        var service = _harness.ServiceOver(store);

        var outcome = await service.CreateAsync(Create(MailboxId.New()), DeviceClaim.New(), "c-1", default);

        Assert.True(store.Answered);
        Assert.Equal(200, outcome.Status);
    }

    [Fact]
    public async Task An_update_whose_write_was_applied_but_answered_412_answers_200_and_pushes_once()
    {
        var id = MailboxId.New();
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        Assert.Equal(200, (await _harness.Mailboxes.CreateAsync(Create(id, new NotificationToken(NotificationToken.Apns, "s")), sender, null, default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status);
        var store = new LateAnswerStore(_harness.Store);
        var service = _harness.ServiceOver(store);

        var outcome = await service.UpdateAsync(id, receiver, new UpdateMailboxRequest(Payload(77), ReceiverToken), "u-1", default);

        Assert.True(store.Answered);
        Assert.Equal(200, outcome.Status); // not 201 from its own Correlation-ID
        Assert.Single(_harness.Push.Sent);
        Assert.Equal(77, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Value!.Payload.Data.Length);
    }

    /// <summary>
    /// Applies the first write, then answers as the storage client's retry would have seen it: 409 for an insert,
    /// 412 for a conditional write.
    /// </summary>
    private sealed class LateAnswerStore(IMailboxStore inner) : IMailboxStore
    {
        public bool Answered { get; private set; }

        public Task<Mailbox?> GetAsync(MailboxId id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

        public async Task<bool> TryAddAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
            await inner.TryAddAsync(mailbox, cancellationToken) && !Late();

        public Task<WriteOutcome> TryReplaceAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
            LateAsync(inner.TryReplaceAsync(mailbox, cancellationToken));

        public Task<WriteOutcome> TryBindReceiverAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
            LateAsync(inner.TryBindReceiverAsync(mailbox, cancellationToken));

        public Task<WriteOutcome> TryTombstoneAsync(Mailbox mailbox, CancellationToken cancellationToken) =>
            LateAsync(inner.TryTombstoneAsync(mailbox, cancellationToken));

        public Task<PurgeReport> PurgeExpiredAsync(DateTimeOffset now, TimeSpan budget, CancellationToken cancellationToken) =>
            inner.PurgeExpiredAsync(now, budget, cancellationToken);

        private bool Late()
        {
            var first = !Answered;
            Answered = true;
            return first;
        }

        private async Task<WriteOutcome> LateAsync(Task<WriteOutcome> write)
        {
            var outcome = await write;
            return outcome == WriteOutcome.Written && Late() ? WriteOutcome.Conflict : outcome;
        }
    }
}
