namespace ScTransfer.Client;

/// <summary>
/// A push token a device leaves in a mailbox (draft §6.1.4, §6.2.4), e.g. <c>com.apple.apns</c> or
/// <c>com.google.fcm</c>. It addresses a device, so it is never logged.
/// </summary>
public sealed record NotificationToken(string Type, string TokenData)
{
    public const string Apns = "com.apple.apns";
    public const string Fcm = "com.google.fcm";

    public override string ToString() => $"NotificationToken({Type}, redacted)";
}

/// <summary>
/// Mailbox settings chosen at creation (draft §6.1.4 <c>mailboxConfiguration</c>). <see cref="AccessRights"/>
/// combines R, W and D; the draft's default is read and delete. A stateful exchange needs W (UpdateMailbox).
/// </summary>
public sealed record MailboxConfiguration(TimeSpan TimeToLive, string AccessRights = "RD")
{
    public static readonly TimeSpan DefaultTimeToLive = TimeSpan.FromHours(24);

    /// <summary>Stateless transfer (§3.1): the receiver reads once and deletes.</summary>
    public static MailboxConfiguration Stateless { get; } = new(DefaultTimeToLive);

    /// <summary>Stateful exchange (§3.2): both devices also write.</summary>
    public static MailboxConfiguration Stateful { get; } = new(DefaultTimeToLive, "RWD");
}

/// <summary>What the relay answered to CreateMailbox (§6.1.5).</summary>
public sealed record CreatedMailbox(Uri UrlLink, bool IsPushNotificationSupported);

/// <summary>What ReadSecureContentFromMailbox returned (§6.5.3): still encrypted.</summary>
public sealed record MailboxContent(DisplayInformation DisplayInformation, EncryptedPayload Payload, DateTimeOffset? Expiration);

/// <summary>Settings of <see cref="MailboxClient"/>; bind from configuration or set in code.</summary>
public sealed class MailboxClientOptions
{
    /// <summary>The relay's base URL, e.g. https://relay.example/ (used by AddScTransferClient).</summary>
    public Uri? RelayBaseAddress { get; set; }

    /// <summary>Tries per call, the first included. Every try of a call carries the same Mailbox-Correlation-ID (§5).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Wait before the first retry; doubled for each further one. A 503's Retry-After wins when given.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Longest Retry-After honoured before giving up instead.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The draft requires https (§4). Plain http is allowed to loopback addresses for local development; set this to
    /// allow it elsewhere (a test network), never in production.
    /// </summary>
    public bool AllowInsecureHttp { get; set; }
}
