using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Diagnostics;
using ScTransfer.Relay.Protocol;
using ScTransfer.Relay.Push;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// <see cref="MailboxService"/> over the <see cref="InMemoryMailboxStore"/> (held to the real store by
/// <see cref="MailboxStoreContract"/>), a <see cref="FakeTimeProvider"/> and a recording push notifier: the protocol's
/// rules in milliseconds, with no emulator and no process.
/// </summary>
public sealed class ProtocolHarness
{
    public ProtocolHarness()
    {
        var relay = StoreHarness.RelayOptionsForTests();
        Hasher = new ClaimHasher(RelayKeys.From(relay));
        Tokens = new TokenCipher(RelayKeys.From(relay));
        Store = new InMemoryMailboxStore(Purge.TombstoneRetention);
        Outbox = new PushOutbox(Store, Push, Tokens, Options.Create(PushBudget), Time, Metrics, NullLogger<PushOutbox>.Instance);
        Mailboxes = new MailboxService(Store, Hasher, Tokens, Outbox, Options.Create(PushBudget), Time, Metrics, NullLogger<MailboxService>.Instance);
        Parser = new MailboxRequestParser(Options.Create(relay), Time);
    }

    public RelayMetrics Metrics { get; } = TestMetrics.Create();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero));

    public PurgeOptions Purge { get; } = new() { TombstoneRetention = TimeSpan.FromDays(7) };

    public PushOptions PushBudget { get; } = new();

    public RecordingPushNotifier Push { get; } = new();

    public InMemoryMailboxStore Store { get; }

    public ClaimHasher Hasher { get; }

    public TokenCipher Tokens { get; }

    /// <summary>The push outbox the service records pushes through, over <see cref="Push"/>.</summary>
    public PushOutbox Outbox { get; }

    public MailboxService Mailboxes { get; }

    public MailboxRequestParser Parser { get; }

    /// <summary>A create request with all rights (or <paramref name="rights"/>), living an hour from the fake now.</summary>
    public CreateMailboxRequest Create(MailboxId? id, NotificationToken? token = null, AccessRights rights = AccessRights.Read | AccessRights.Write | AccessRights.Delete) =>
        new(id, """{"title":"Car Key"}""", Payload(), token, rights, Time.GetUtcNow().AddHours(1));

    public static SecurePayload Payload(int length = 40) => new("AES256", new byte[length]);

    /// <summary>Creates a mailbox as <paramref name="sender"/> and, when given, binds <paramref name="receiver"/> by reading.</summary>
    public async Task<MailboxId> CreatedAsync(
        DeviceClaim sender, DeviceClaim? receiver = null, NotificationToken? token = null,
        AccessRights rights = AccessRights.Read | AccessRights.Write | AccessRights.Delete)
    {
        var id = MailboxId.New();
        Assert.Equal(200, (await Mailboxes.CreateAsync(Create(id, token, rights), sender, null, default)).Status);
        if (receiver is { } r)
        {
            Assert.Equal(200, (await Mailboxes.ReadAsync(id, r, default)).Status);
        }

        return id;
    }
}
