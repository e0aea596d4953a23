using System.Text;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Push;

/// <summary>
/// What the relay sends for each token type (draft §8.2): a wake-up and nothing else. No payload, display information,
/// claim or mailbox identifier; the per-share token already tells the device which share changed.
/// </summary>
internal sealed class NotificationHubMessage
{
    /// <summary>APNs: a silent background push; the app wakes and reads the mailboxes it tracks.</summary>
    public static readonly NotificationHubMessage Apple = new(
        "apple",
        """{"aps":{"content-available":1}}""",
        [new("apns-push-type", "background"), new("apns-priority", "5")]);

    /// <summary>FCM v1 (<c>{"message": {...}}</c>): data-only, so nothing is displayed; one constant key says why.</summary>
    public static readonly NotificationHubMessage FirebaseV1 = new(
        "fcmv1",
        """{"message":{"data":{"sct":"mailbox-updated"}}}""",
        []);

    private readonly byte[] _body;

    private NotificationHubMessage(string format, string body, KeyValuePair<string, string>[] headers)
    {
        Format = format;
        Body = body;
        _body = Encoding.UTF8.GetBytes(body);
        Headers = headers;
    }

    /// <summary>The <c>ServiceBusNotification-Format</c> value (the hub's platform type).</summary>
    public string Format { get; }

    public string Body { get; }

    /// <summary>Platform headers passed through to the push service.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; }

    /// <summary>The message for a token type, or null when the relay cannot push to it.</summary>
    public static NotificationHubMessage? For(string tokenType) => tokenType switch
    {
        NotificationToken.Apns => Apple,
        NotificationToken.Fcm => FirebaseV1,
        _ => null,
    };

    /// <summary>A direct-send request to one device handle.</summary>
    public HttpRequestMessage CreateRequest(NotificationHubConnection connection, string deviceHandle, string sasToken)
    {
        var content = new ByteArrayContent(_body);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json;charset=utf-8"); // spelled as the docs spell it
        var request = new HttpRequestMessage(HttpMethod.Post, connection.DirectSendUri) { Content = content };
        request.Headers.TryAddWithoutValidation("Authorization", sasToken);
        request.Headers.TryAddWithoutValidation("x-ms-version", NotificationHubConnection.ApiVersion);
        request.Headers.TryAddWithoutValidation("ServiceBusNotification-Format", Format);
        request.Headers.TryAddWithoutValidation("ServiceBusNotification-DeviceHandle", deviceHandle);
        foreach (var (name, value) in Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
