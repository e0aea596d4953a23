namespace ScTransfer.Client;

/// <summary>Which device of a transfer this is (draft §2).</summary>
public enum ShareRole
{
    Sender,
    Receiver,
}

/// <summary>Provisioning Information that decrypted and verified, with what the mailbox showed beside it.</summary>
public sealed record ReceivedContent(byte[] ProvisioningInformation, DisplayInformation DisplayInformation, DateTimeOffset? Expiration);

/// <summary>What a sender chooses when it creates a share.</summary>
public sealed record ShareOptions
{
    public DisplayInformation DisplayInformation { get; init; } = new();

    public MailboxConfiguration Configuration { get; init; } = MailboxConfiguration.Stateless;

    public KeySize KeySize { get; init; } = KeySize.Aes128;

    /// <summary>The sender's push token, so the relay can tell it of the receiver's reply (§3.2). Optional.</summary>
    public NotificationToken? NotificationToken { get; init; }
}

/// <summary>
/// One device's side of one transfer: the mailbox identifier, this device's claim and the Secret, held together so
/// that every payload is encrypted and verified with the right key (§7) and the claim stays the same for the whole
/// exchange (§2). A sender starts with <see cref="CreateAsync"/>, a receiver with <see cref="Join"/>; the stateless
/// receiver's whole part is <see cref="ReceiveOnceAsync"/>.
/// </summary>
public sealed class ShareSession
{
    private readonly MailboxClient _relay;
    private readonly Guid _claim;
    private byte[]? _lastWritten;

    private ShareSession(MailboxClient relay, ShareRole role, Guid mailboxId, Guid claim, ShareSecret secret, ShareLink? link)
    {
        _relay = relay;
        Role = role;
        MailboxId = mailboxId;
        _claim = claim;
        Secret = secret;
        Link = link;
    }

    public ShareRole Role { get; }

    public Guid MailboxId { get; }

    public ShareSecret Secret { get; }

    /// <summary>The link to hand the receiver (<see cref="ShareLink.Reveal"/> includes the secret).</summary>
    public ShareLink? Link { get; private set; }

    /// <summary>Whether the relay can push to this device's token, if it left one; otherwise poll.</summary>
    public bool IsPushNotificationSupported { get; private set; }

    /// <summary>
    /// Sender (§3): random v4 UUIDs for the mailbox and the claim and a fresh key, the Provisioning Information
    /// encrypted in the §7 layout, then CreateMailbox. <see cref="Link"/> is the relay's urlLink with the secret as fragment.
    /// </summary>
    public static async Task<ShareSession> CreateAsync(MailboxClient relay, ReadOnlyMemory<byte> provisioningInformation, ShareOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(relay);
        options ??= new ShareOptions();
        var secret = ShareSecret.Generate(options.KeySize);
        var session = new ShareSession(relay, ShareRole.Sender, Guid.NewGuid(), Guid.NewGuid(), secret, null); // Guid.NewGuid is a v4 UUID from the OS CSPRNG
        var payload = PayloadCipher.Encrypt(provisioningInformation.Span, secret);
        var created = await relay.CreateAsync(session.MailboxId, session._claim, options.DisplayInformation, payload, options.Configuration,
            options.NotificationToken, cancellationToken).ConfigureAwait(false);
        session._lastWritten = payload.Data;
        session.Link = ShareLink.Create(created.UrlLink, session.MailboxId, secret);
        session.IsPushNotificationSupported = created.IsPushNotificationSupported;
        return session;
    }

    /// <summary>Receiver: a session for a received link with a fresh random claim. Nothing is sent yet.</summary>
    public static ShareSession Join(MailboxClient relay, ShareLink link)
    {
        ArgumentNullException.ThrowIfNull(relay);
        ArgumentNullException.ThrowIfNull(link);
        return new ShareSession(relay, ShareRole.Receiver, link.MailboxId, Guid.NewGuid(), link.Secret, link);
    }

    /// <summary>
    /// Stateless receiver (§3.1): read (which binds this device), decrypt and verify, then delete the mailbox. The
    /// mailbox is deleted only after the content verified, and <paramref name="accept"/> (e.g. writing it out or
    /// provisioning it) finished; if either throws, the mailbox is left to expire.
    /// </summary>
    public static async Task<ReceivedContent> ReceiveOnceAsync(MailboxClient relay, ShareLink link, Func<ReceivedContent, CancellationToken, Task>? accept = null,
        CancellationToken cancellationToken = default)
    {
        var session = Join(relay, link);
        var content = await session.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (accept is not null)
        {
            await accept(content, cancellationToken).ConfigureAwait(false);
        }

        await session.DeleteAsync(cancellationToken).ConfigureAwait(false);
        return content;
    }

    /// <summary>
    /// ReadSecureContent and decrypt. The receiver's first read binds it to the mailbox (§2). Throws
    /// <see cref="PayloadDecryptionException"/> if the content does not verify with the Secret.
    /// </summary>
    public async Task<ReceivedContent> ReadAsync(CancellationToken cancellationToken = default)
    {
        var content = await _relay.ReadAsync(MailboxId, _claim, cancellationToken).ConfigureAwait(false);
        return new ReceivedContent(PayloadCipher.Decrypt(content.Payload, Secret), content.DisplayInformation, content.Expiration);
    }

    /// <summary>
    /// The other device's latest update (§3.2), or null while the mailbox still holds what this device wrote last.
    /// A sender calls it after a push, or to poll, for the receiver's reply.
    /// </summary>
    public async Task<ReceivedContent?> ReadUpdateAsync(CancellationToken cancellationToken = default)
    {
        var content = await _relay.ReadAsync(MailboxId, _claim, cancellationToken).ConfigureAwait(false);
        if (_lastWritten is not null && content.Payload.Data.AsSpan().SequenceEqual(_lastWritten))
        {
            return null; // IVs are random, so equal data is this device's own write
        }

        return new ReceivedContent(PayloadCipher.Decrypt(content.Payload, Secret), content.DisplayInformation, content.Expiration);
    }

    /// <summary>Polls <see cref="ReadUpdateAsync"/> until the other device has written, for devices without push.</summary>
    public async Task<ReceivedContent> WaitForUpdateAsync(TimeSpan pollInterval, TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (await ReadUpdateAsync(cancellationToken).ConfigureAwait(false) is { } update)
            {
                return update;
            }

            await Task.Delay(pollInterval, time ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// UpdateMailbox (§3.2, §6.2): new Provisioning Information under the same Secret and this device's push token
    /// (the draft requires one). The receiver must have read first (that binds it); the mailbox needs W.
    /// </summary>
    public async Task UpdateAsync(ReadOnlyMemory<byte> provisioningInformation, NotificationToken notificationToken, CancellationToken cancellationToken = default)
    {
        var payload = PayloadCipher.Encrypt(provisioningInformation.Span, Secret);
        IsPushNotificationSupported = await _relay.UpdateAsync(MailboxId, _claim, payload, notificationToken, cancellationToken).ConfigureAwait(false);
        _lastWritten = payload.Data;
    }

    /// <summary>DeleteMailbox (§6.3): the sender cancels the share (any time); the receiver completes it after success (needs D).</summary>
    public Task DeleteAsync(CancellationToken cancellationToken = default) => _relay.DeleteAsync(MailboxId, _claim, cancellationToken);

    public override string ToString() => $"ShareSession({Role}, mailbox {MailboxId.ToString("D")[..8]}…)";
}
