namespace ScTransfer.Relay.Protocol;

/// <summary>
/// A validated CreateMailbox body (draft §6.1.4). <see cref="MailboxId"/> is null when the body named none (later
/// revisions): the relay chooses it (<see cref="MailboxService.CreateAsync"/>).
/// </summary>
public sealed record CreateMailboxRequest(
    MailboxId? MailboxId,
    string DisplayInformationJson,
    SecurePayload Payload,
    NotificationToken? NotificationToken,
    AccessRights AccessRights,
    DateTimeOffset ExpiresAt);

/// <summary>A validated UpdateMailbox body (draft §6.2.4).</summary>
public sealed record UpdateMailboxRequest(SecurePayload Payload, NotificationToken NotificationToken);
