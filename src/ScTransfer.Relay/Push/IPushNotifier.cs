using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Push;

/// <summary>
/// Tells a device that a mailbox it is bound to changed (draft §3.2, §8.2). A push carries no payload, no display
/// information, no claim and no mailbox identifier: the per-share token already tells the device which share it is.
/// </summary>
public interface IPushNotifier
{
    /// <summary>Whether pushes to this token type can be delivered (later revisions' <c>isPushNotificationSupported</c>).</summary>
    bool Supports(string tokenType);

    /// <summary>
    /// One delivery attempt (with the HTTP client's own bounded retries): what came of it, never an exception, so a push
    /// can neither fail nor undo the update that caused it. <see cref="PushOutbox"/> decides what to do next.
    /// </summary>
    Task<PushResult> SendAsync(NotificationToken token, CancellationToken cancellationToken);
}

/// <summary>Used when Notification Hubs is not configured: pushes are off.</summary>
internal sealed class DisabledPushNotifier : IPushNotifier
{
    public bool Supports(string tokenType) => false;

    public Task<PushResult> SendAsync(NotificationToken token, CancellationToken cancellationToken) => Task.FromResult(new PushResult(PushDelivery.Refused));
}
