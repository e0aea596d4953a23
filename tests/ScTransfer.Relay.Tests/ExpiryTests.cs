using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// Expiry at the boundary (draft §3: a mailbox has a limited time to live): at created + TTL the mailbox is gone for
/// every operation at once, purged or not. In-memory store, fake clock.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class ExpiryTests
{
    private readonly ProtocolHarness _harness = new();

    private async Task<(MailboxId Id, DeviceClaim Sender, DeviceClaim Receiver)> CreateAsync(int timeToLiveSeconds)
    {
        var body = $$"""
            {"displayInformation":{"title":"Room 12"},"payload":{"type":"AES256","data":"{{Convert.ToBase64String(new byte[40])}}"},
             "mailboxConfiguration":{"accessRights":"RWD","timeToLive":"{{timeToLiveSeconds}}"} }
            """;
        Assert.True(_harness.Parser.TryParseCreate(System.Text.Encoding.UTF8.GetBytes(body), out var request, out _));
        var sender = DeviceClaim.New();
        var receiver = DeviceClaim.New();
        var created = await _harness.Mailboxes.CreateAsync(request!, sender, null, default);
        Assert.Equal(200, created.Status);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(created.Value, receiver, default)).Status);
        return (created.Value, sender, receiver);
    }

    [Fact]
    public async Task One_second_before_the_end_of_its_life_a_mailbox_answers_every_operation()
    {
        var (id, sender, receiver) = await CreateAsync(600);
        _harness.Time.Advance(TimeSpan.FromSeconds(599));

        Assert.Equal(200, (await _harness.Mailboxes.PreviewAsync(id, default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status);
        var update = new UpdateMailboxRequest(new SecurePayload("AES256", new byte[40]), new NotificationToken(NotificationToken.Fcm, "t"));
        Assert.Equal(200, (await _harness.Mailboxes.UpdateAsync(id, sender, update, null, default)).Status);
        Assert.Equal(200, (await _harness.Mailboxes.DeleteAsync(id, sender, default)).Status);
    }

    [Fact]
    public async Task At_the_end_of_its_life_a_mailbox_is_404_for_every_operation_before_any_purge()
    {
        var (id, sender, receiver) = await CreateAsync(600);
        _harness.Time.Advance(TimeSpan.FromSeconds(600));

        var update = new UpdateMailboxRequest(new SecurePayload("AES256", new byte[40]), new NotificationToken(NotificationToken.Fcm, "t"));
        Assert.Equal(404, (await _harness.Mailboxes.PreviewAsync(id, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.ReadAsync(id, sender, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.UpdateAsync(id, sender, update, null, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.DeleteAsync(id, sender, default)).Status);
        Assert.NotNull(await _harness.Store.GetAsync(id, MailboxView.Full, default)); // still stored: only the purge removes it
    }

    [Fact]
    public async Task An_expired_identifier_is_refused_to_a_stranger_before_and_after_the_purge()
    {
        var (id, _, receiver) = await CreateAsync(60);
        _harness.Time.Advance(TimeSpan.FromSeconds(61));
        var create = new CreateMailboxRequest(id, "{}", new SecurePayload("AES128", new byte[30]), null, AccessRights.Read, _harness.Time.GetUtcNow().AddMinutes(5));
        var stranger = DeviceClaim.New();

        Assert.Equal(401, (await _harness.Mailboxes.CreateAsync(create, stranger, null, default)).Status);
        await _harness.Store.PurgeExpiredAsync(_harness.Time.GetUtcNow(), TimeSpan.FromSeconds(30), default); // now a tombstone
        Assert.Equal(401, (await _harness.Mailboxes.CreateAsync(create, stranger, null, default)).Status);
        Assert.Equal(404, (await _harness.Mailboxes.ReadAsync(id, receiver, default)).Status); // the old receiver never reaches a stranger's mailbox
    }
}
