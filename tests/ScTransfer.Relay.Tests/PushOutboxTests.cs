using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// The push outbox (docs/push.md) on the in-memory store and a fake clock: a push is recorded in its update's write,
/// delivered at once when the hub takes it, retried by the timer on a fixed schedule when it does not, once per update
/// when nothing fails, and never after the end of the mailbox or of the recipient's binding.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class PushOutboxTests
{
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(new Configuration.PushOptions().RetryDelayCapSeconds);
    private static readonly TimeSpan TimerInterval = TimeSpan.FromSeconds(10); // PushRetrySchedule's default

    private readonly ProtocolHarness _harness = new();

    private InMemoryMailboxStore Store => (InMemoryMailboxStore)_harness.Store;

    [Theory]
    [InlineData(1, null, 2)]
    [InlineData(2, null, 4)]
    [InlineData(3, null, 8)]
    [InlineData(4, null, 16)]
    [InlineData(5, null, 30)] // capped
    [InlineData(40, null, 30)]
    [InlineData(1, 20, 20)] // the hub asked for longer: honoured
    [InlineData(4, 5, 16)] // the hub asked for less than the back-off: the back-off
    [InlineData(1, 3600, 600)] // an absurd Retry-After is held to ten minutes
    public void The_wait_after_a_failed_attempt_doubles_from_2_s_up_to_the_cap_and_honours_the_hubs_Retry_After(int attempt, int? retryAfter, int expected) =>
        Assert.Equal(
            TimeSpan.FromSeconds(expected),
            PushOutbox.RetryWait(attempt, retryAfter is { } after ? TimeSpan.FromSeconds(after) : null, Cap));

    [Fact]
    public async Task With_a_working_hub_an_update_pushes_exactly_once_and_its_record_is_cleared()
    {
        var (id, _, receiver) = await StatefulAsync();

        Assert.Equal(200, (await Update(id, receiver, "u-1")).Status);
        _harness.Time.Advance(TimeSpan.FromMinutes(5));
        await _harness.Outbox.RetryDueAsync(default);

        Assert.Single(_harness.Push.Sent);
        Assert.Empty(Store.PendingPushes);
    }

    [Fact]
    public async Task A_hub_down_for_45_s_gets_the_push_within_a_minute_of_its_recovery_and_the_budget_counts_it_once()
    {
        var (id, _, receiver) = await StatefulAsync();
        _harness.Push.Answer = new PushResult(PushDelivery.Failed, 503);

        Assert.Equal(200, (await Update(id, receiver, "u-1")).Status); // answered at once: the update is stored, its push owed
        var recovered = RunTimerUntil(TimeSpan.FromSeconds(45), then: () => _harness.Push.Answer = new PushResult(PushDelivery.Delivered, 201));
        var delivered = await recovered;

        Assert.Empty(Store.PendingPushes);
        Assert.InRange(delivered, TimeSpan.Zero, TimeSpan.FromMinutes(1));
        Assert.True(delivered <= Cap + TimerInterval, $"delivered {delivered} after the hub's recovery");
        Assert.Equal(1, (await _harness.Store.GetAsync(id, MailboxView.WithoutPayload, default))!.PushCount); // one push, however many attempts
        Assert.True(_harness.Push.Sent.Count > 3, "the push was tried again while the hub was down");
    }

    [Fact]
    public async Task A_push_whose_instance_died_before_trying_it_is_delivered_by_the_timer_once_due()
    {
        var (id, _, receiver) = await StatefulAsync();
        var mailbox = (await _harness.Store.GetAsync(id, MailboxView.WithoutPayload, default))!;
        mailbox.Payload = ProtocolHarness.Payload();
        var owed = _harness.Outbox.Owe(id, MailboxRole.Sender, mailbox.SenderClaimHash!);
        Assert.Equal(Storage.WriteOutcome.Written, await _harness.Store.TryReplaceAndRecordPushAsync(mailbox, owed, default)); // then nothing: the instance is gone

        await _harness.Outbox.RetryDueAsync(default);
        Assert.Empty(_harness.Push.Sent); // not yet due: the fast path would have had its time
        _harness.Time.Advance(PushOutbox.FirstRetryAfter);
        await _harness.Outbox.RetryDueAsync(default);

        Assert.Single(_harness.Push.Sent);
        Assert.Empty(Store.PendingPushes);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(403)]
    [InlineData(413)]
    public async Task A_refusal_retrying_cannot_fix_ends_the_push_at_once(int status)
    {
        var (id, _, receiver) = await StatefulAsync();
        _harness.Push.Answer = new PushResult(PushDelivery.Refused, status);

        await Update(id, receiver, "u-1");
        _harness.Time.Advance(TimeSpan.FromMinutes(5));
        await _harness.Outbox.RetryDueAsync(default);

        Assert.Single(_harness.Push.Sent);
        Assert.Empty(Store.PendingPushes);
    }

    [Fact]
    public async Task A_mailbox_deleted_while_its_push_is_pending_never_sends_it()
    {
        var (id, sender, receiver) = await StatefulAsync();
        _harness.Push.Answer = new PushResult(PushDelivery.Failed, 503);
        await Update(id, receiver, "u-1");
        Assert.Equal(200, (await _harness.Mailboxes.DeleteAsync(id, sender, default)).Status);
        var tried = _harness.Push.Sent.Count;
        _harness.Push.Answer = new PushResult(PushDelivery.Delivered, 201);

        _harness.Time.Advance(TimeSpan.FromMinutes(5));
        await _harness.Outbox.RetryDueAsync(default);

        Assert.Equal(tried, _harness.Push.Sent.Count);
        Assert.Empty(Store.PendingPushes);
    }

    [Fact]
    public async Task A_push_to_a_receiver_that_relinquished_is_never_sent_even_once_another_receiver_is_bound()
    {
        var (id, sender, receiver) = await StatefulAsync();
        var token = new NotificationToken(NotificationToken.Fcm, "first-receiver");
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, receiver, new UpdateMailboxRequest(ProtocolHarness.Payload(), token), "r-1", default)).Status);
        _harness.Time.Advance(TimeSpan.FromSeconds(5));
        _harness.Push.Answer = new PushResult(PushDelivery.Failed, 503);
        await Update(id, sender, "s-1"); // owes the receiver a push
        Assert.Equal(200, (await _harness.Mailboxes.RelinquishAsync(id, receiver, "r-2", default)).Status);
        var next = DeviceClaim.New();
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, next, default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, next, new UpdateMailboxRequest(ProtocolHarness.Payload(), new NotificationToken(NotificationToken.Fcm, "next-receiver")), "n-1", default)).Status);
        _harness.Push.Answer = new PushResult(PushDelivery.Delivered, 201);

        _harness.Time.Advance(TimeSpan.FromMinutes(5));
        await _harness.Outbox.RetryDueAsync(default);

        Assert.DoesNotContain(_harness.Push.Sent, push => push.TokenData == "next-receiver"); // the new receiver was never owed it
        Assert.DoesNotContain(Store.PendingPushes, p => p.Recipient == MailboxRole.Receiver);
    }

    [Fact]
    public async Task An_expired_mailbox_loses_its_pending_push()
    {
        var (id, _, receiver) = await StatefulAsync();
        _harness.Push.Answer = new PushResult(PushDelivery.Failed, 503);
        await Update(id, receiver, "u-1");
        var tried = _harness.Push.Sent.Count;
        _harness.Push.Answer = new PushResult(PushDelivery.Delivered, 201);

        _harness.Time.Advance(TimeSpan.FromHours(2)); // past its hour
        await _harness.Outbox.RetryDueAsync(default);

        Assert.Equal(tried, _harness.Push.Sent.Count);
        Assert.Empty(Store.PendingPushes);
    }

    [Fact]
    public async Task The_update_answers_within_the_response_bound_when_the_hub_does_not_answer_and_the_record_stays()
    {
        var (id, _, receiver) = await StatefulAsync();
        var hub = new TaskCompletionSource<PushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var outbox = new PushOutbox(_harness.Store, new Silent(hub.Task), _harness.Tokens,
            Microsoft.Extensions.Options.Options.Create(_harness.PushBudget), _harness.Time, _harness.Metrics,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PushOutbox>.Instance);
        var mailboxes = new MailboxService(_harness.Store, _harness.Hasher, _harness.Tokens, outbox,
            Microsoft.Extensions.Options.Options.Create(_harness.PushBudget), _harness.Time, _harness.Metrics,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<MailboxService>.Instance);

        var update = mailboxes.UpdateAsync(id, receiver, new UpdateMailboxRequest(ProtocolHarness.Payload(), new NotificationToken(NotificationToken.Fcm, "r")), "u-1", default);
        await Timeouts.WaitUntilAsync(() => Store.PendingPushes.Count == 1); // stored, and its push on its way
        Assert.False(update.IsCompleted);
        _harness.Time.Advance(PushOutbox.ResponseBound);

        Assert.Equal(200, (await update.DefaultTimeout()).Status);
        Assert.Single(Store.PendingPushes); // still owed: the timer has it if this attempt never ends
        hub.SetResult(new PushResult(PushDelivery.Delivered, 201));
        await outbox.WhenIdleAsync().DefaultTimeout();
        Assert.Empty(Store.PendingPushes);
    }

    [Fact]
    public async Task A_run_on_a_hanging_hub_stops_at_its_budget_and_leaves_the_rest_due()
    {
        var hub = new TaskCompletionSource<PushResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var silent = new Silent(hub.Task);
        var outbox = new PushOutbox(_harness.Store, silent, _harness.Tokens,
            Microsoft.Extensions.Options.Options.Create(_harness.PushBudget), _harness.Time, _harness.Metrics,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<PushOutbox>.Instance);
        for (var i = 0; i < 3; i++)
        {
            var (id, _, receiver) = await StatefulAsync();
            var mailbox = (await _harness.Store.GetAsync(id, MailboxView.WithoutPayload, default))!;
            mailbox.Payload = ProtocolHarness.Payload();
            await _harness.Store.TryReplaceAndRecordPushAsync(mailbox, outbox.Owe(id, MailboxRole.Sender, mailbox.SenderClaimHash!), default);
        }

        _harness.Time.Advance(PushOutbox.FirstRetryAfter);
        var run = outbox.RetryDueAsync(default);
        await Timeouts.WaitUntilAsync(() => silent.Attempts == 3); // every attempt out, the hub silent
        Assert.False(run.IsCompleted);
        _harness.Time.Advance(PushOutbox.RunBudget);

        Assert.Equal(3, await run.DefaultTimeout()); // the run ends at its budget
        Assert.Equal(3, Store.PendingPushes.Count); // and every push is still owed, for the next run
    }

    /// <summary>A mailbox with both parties bound, each having left a token (the sender at create, the receiver not yet).</summary>
    private async Task<(MailboxId Id, DeviceClaim Sender, DeviceClaim Receiver)> StatefulAsync()
    {
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender, receiver, new NotificationToken(NotificationToken.Apns, "sender-device"));
        return (id, sender, receiver);
    }

    private Task<Outcome<bool>> Update(MailboxId id, DeviceClaim claim, string correlationId) =>
        _harness.Mailboxes.UpdateAsync(id, claim, new UpdateMailboxRequest(ProtocolHarness.Payload(), new NotificationToken(NotificationToken.Fcm, "t-" + correlationId)), correlationId, default);

    /// <summary>
    /// Runs the retry timer every 10 s of fake time: the hub stays down for <paramref name="outage"/>, then
    /// <paramref name="then"/> brings it back; returns how long after the recovery the push was delivered.
    /// </summary>
    private async Task<TimeSpan> RunTimerUntil(TimeSpan outage, Action then)
    {
        var start = _harness.Time.GetUtcNow();
        DateTimeOffset? recoveredAt = null;
        for (var run = 0; run < 100; run++)
        {
            _harness.Time.Advance(TimerInterval);
            if (recoveredAt is null && _harness.Time.GetUtcNow() - start >= outage)
            {
                then();
                recoveredAt = _harness.Time.GetUtcNow();
            }

            await _harness.Outbox.RetryDueAsync(default);
            if (recoveredAt is { } at && Store.PendingPushes.Count == 0)
            {
                return _harness.Time.GetUtcNow() - at;
            }
        }

        throw new InvalidOperationException("The push was never delivered.");
    }

    /// <summary>A hub that answers when the test says so.</summary>
    private sealed class Silent(Task<PushResult> answer) : IPushNotifier
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        public bool Supports(string tokenType) => true;

        public Task<PushResult> SendAsync(NotificationToken token, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            return answer.WaitAsync(cancellationToken);
        }
    }
}
