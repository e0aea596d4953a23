using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>Idempotency by Mailbox-Correlation-ID (draft §5): a retry gets 201 and is not applied again.</summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class IdempotencyRuleTests
{
    private readonly ProtocolHarness _harness = new();

    [Fact]
    public async Task A_create_retried_with_the_same_correlation_id_gets_201_without_applying_its_body()
    {
        var id = MailboxId.New();
        var sender = DeviceClaim.New();
        Assert.Equal(200, (await _harness.Mailboxes.CreateAsync(_harness.Create(id), sender, "c-1", default)).Status);
        var version = (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Version;
        var retry = _harness.Create(id) with { Payload = ProtocolHarness.Payload(99) };

        var outcome = await _harness.Mailboxes.CreateAsync(retry, sender, "c-1", default);

        Assert.Equal((201, id), (outcome.Status, outcome.Value));
        Assert.Equal(version, (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Version);
    }

    [Fact]
    public async Task An_existing_identifier_under_a_new_correlation_id_none_or_another_claim_is_refused_with_401()
    {
        var id = MailboxId.New();
        var sender = DeviceClaim.New();
        Assert.Equal(200, (await _harness.Mailboxes.CreateAsync(_harness.Create(id), sender, "c-1", default)).Status);

        Assert.Equal(401, (await _harness.Mailboxes.CreateAsync(_harness.Create(id), sender, "c-2", default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.CreateAsync(_harness.Create(id), sender, null, default)).Status);
        Assert.Equal(401, (await _harness.Mailboxes.CreateAsync(_harness.Create(id), DeviceClaim.New(), "c-1", default)).Status);
    }

    [Fact]
    public async Task A_create_without_an_identifier_retried_with_the_same_claim_and_id_gets_201_and_the_same_mailbox()
    {
        var sender = DeviceClaim.New();
        var first = await _harness.Mailboxes.CreateAsync(_harness.Create(null), sender, "r-1", default);
        var version = (await _harness.Store.GetAsync(first.Value, MailboxView.Full, default))!.Version;

        var retry = await _harness.Mailboxes.CreateAsync(_harness.Create(null) with { Payload = ProtocolHarness.Payload(99) }, sender, "r-1", default);
        var again = await _harness.Mailboxes.CreateAsync(_harness.Create(null), sender, "r-1", default);

        Assert.Equal(200, first.Status);
        Assert.Equal((201, first.Value), (retry.Status, retry.Value));
        Assert.Equal((201, first.Value), (again.Status, again.Value));
        Assert.Equal(1, _harness.Store.Count); // no orphans
        Assert.Equal(version, (await _harness.Store.GetAsync(first.Value, MailboxView.Full, default))!.Version);
        Assert.True(MailboxId.TryParse(first.Value.ToString(), out _), "the relay's identifier is a version 4 UUID");
    }

    [Fact]
    public async Task A_create_without_an_identifier_whose_answer_was_lost_after_storage_applied_it_is_recognised()
    {
        var sender = DeviceClaim.New();
        _harness.Store.AnswerNextWriteLate(); // applied, then the storage client's own retry meets it

        var first = await _harness.Mailboxes.CreateAsync(_harness.Create(null), sender, "r-1", default);
        var retry = await _harness.Mailboxes.CreateAsync(_harness.Create(null), sender, "r-1", default); // the phone's own retry

        Assert.Equal(200, first.Status);
        Assert.Equal((201, first.Value), (retry.Status, retry.Value));
        Assert.Equal(1, _harness.Store.Count);
    }

    [Fact]
    public async Task A_create_without_an_identifier_under_a_new_id_another_claim_or_no_id_is_a_new_share()
    {
        var sender = DeviceClaim.New();
        var first = await _harness.Mailboxes.CreateAsync(_harness.Create(null), sender, "r-1", default);

        var newRequest = await _harness.Mailboxes.CreateAsync(_harness.Create(null), sender, "r-2", default);
        var otherDevice = await _harness.Mailboxes.CreateAsync(_harness.Create(null), DeviceClaim.New(), "r-1", default);
        var noId = await _harness.Mailboxes.CreateAsync(_harness.Create(null), sender, null, default);
        var noIdAgain = await _harness.Mailboxes.CreateAsync(_harness.Create(null), sender, null, default);

        Assert.All([newRequest, otherDevice, noId, noIdAgain], o => Assert.Equal(200, o.Status));
        Assert.Equal(5, new[] { first, newRequest, otherDevice, noId, noIdAgain }.Select(o => o.Value).Distinct().Count());
        Assert.Equal(5, _harness.Store.Count);
    }

    [Fact]
    public void The_identifier_the_relay_names_is_keyed_a_version_4_uuid_and_differs_per_claim_and_id()
    {
        var claim = DeviceClaim.New();
        var other = new ClaimHasher(RelayKeys.From(StoreHarness.RelayOptionsForTests()));

        var id = _harness.Hasher.IdentifierFor(claim, "r-1");

        Assert.Equal(id, _harness.Hasher.IdentifierFor(claim, "r-1"));
        Assert.True(MailboxId.TryParse(id.ToString(), out _));
        Assert.NotEqual(id, _harness.Hasher.IdentifierFor(claim, "r-2"));
        Assert.NotEqual(id, _harness.Hasher.IdentifierFor(DeviceClaim.New(), "r-1"));
        Assert.NotEqual(id, other.IdentifierFor(claim, "r-1")); // without the relay's key, nobody can compute it
    }

    [Fact]
    public async Task Of_concurrent_creates_of_one_identifier_by_different_senders_exactly_one_succeeds()
    {
        var id = MailboxId.New();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ =>
            Task.Run(() => _harness.Mailboxes.CreateAsync(_harness.Create(id), DeviceClaim.New(), null, default)))).DefaultTimeout();

        Assert.Single(outcomes, o => o.Status == 200);
        Assert.Equal(7, outcomes.Count(o => o.Status == 401));
    }

    [Fact]
    public async Task A_duplicate_update_gets_201_does_not_apply_its_body_and_does_not_push_again()
    {
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender, receiver, new NotificationToken(NotificationToken.Apns, "sender-device"));
        var update = new UpdateMailboxRequest(ProtocolHarness.Payload(50), new NotificationToken(NotificationToken.Fcm, "receiver-device"));
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, receiver, update, "u-1", default)).Status);
        _harness.Time.Advance(TimeSpan.FromMinutes(1)); // the push interval is no reason to stay silent

        var duplicate = await _harness.Mailboxes.UpdateAsync(id, receiver, update with { Payload = ProtocolHarness.Payload(60) }, "u-1", default);

        Assert.Equal(201, duplicate.Status);
        Assert.Equal(50, (await _harness.Store.GetAsync(id, MailboxView.Full, default))!.Payload!.Data.Length);
        Assert.Single(_harness.Push.Sent);
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, receiver, update, "u-2", default)).Status);
        Assert.Equal(2, _harness.Push.Sent.Count);
    }

    [Fact]
    public async Task Each_party_has_its_own_last_correlation_id_so_the_same_value_from_the_other_party_is_applied()
    {
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender, receiver);
        var update = new UpdateMailboxRequest(ProtocolHarness.Payload(), new NotificationToken(NotificationToken.Fcm, "t"));

        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, sender, update, "same", default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, receiver, update, "same", default)).Status);
        Assert.Equal(201, (await _harness.Mailboxes.UpdateAsync(id, sender, update, "same", default)).Status);
    }

    [Fact]
    public async Task Updates_without_a_correlation_id_are_never_taken_for_duplicates()
    {
        var sender = DeviceClaim.New();
        var id = await _harness.CreatedAsync(sender);
        var update = new UpdateMailboxRequest(ProtocolHarness.Payload(), new NotificationToken(NotificationToken.Fcm, "t"));

        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, sender, update, null, default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, sender, update, null, default)).Status);
    }
}
