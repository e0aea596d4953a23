using Azure.Data.Tables;
using ScTransfer.Relay.Protocol;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>What a mailbox looks like in the Table entity itself: what a stolen table dump would show (draft §8.2).</summary>
[Trait(Needs.Trait, Needs.Azurite)]
public sealed class StoredMailboxTests
{
    private readonly StoreHarness _harness = new();

    private CreateMailboxRequest Create(MailboxId id, NotificationToken? token = null) =>
        new(id, """{"title":"Car Key"}""", new SecurePayload("AES256", new byte[40]), token,
            AccessRights.Read | AccessRights.Write | AccessRights.Delete, _harness.Time.GetUtcNow().AddHours(1));

    [Fact]
    public async Task Stored_tokens_and_correlation_ids_are_unreadable_and_the_token_is_opened_only_for_its_own_mailbox_and_party()
    {
        var id = MailboxId.New();
        var token = new NotificationToken(NotificationToken.Fcm, "fcm-token-of-the-sender-device");
        Assert.Equal(200, (await _harness.Mailboxes.CreateAsync(Create(id, token), DeviceClaim.New(), "corr-id-0123456789", default)).Status);

        var stored = await _harness.Store.GetAsync(id, MailboxView.Full, default);
        var entity = (await _harness.MailboxTable.GetEntityAsync<TableEntity>(_harness.Store.Shard(id), id.ToString())).Value;
        var everything = string.Join("|", entity.Select(p => p.Value).Select(v => v is byte[] b ? Convert.ToHexString(b) + Convert.ToBase64String(b) : v?.ToString()));

        Assert.DoesNotContain("fcm-token", everything);
        Assert.DoesNotContain("corr-id", everything);
        Assert.Equal(token, _harness.Tokens.Open(id, MailboxRole.Sender, stored!.SenderToken));
        Assert.Null(_harness.Tokens.Open(id, MailboxRole.Receiver, stored.SenderToken));
        Assert.Null(_harness.Tokens.Open(MailboxId.New(), MailboxRole.Sender, stored.SenderToken));
    }
}
