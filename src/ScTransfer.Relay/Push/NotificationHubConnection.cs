using System.Text.RegularExpressions;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.Push;

/// <summary>
/// A parsed Notification Hubs connection string plus hub name: the URIs to post to and sign for, and the SAS key.
/// Secret: <see cref="ToString"/> never shows the key, and parse errors never quote it.
/// </summary>
internal sealed partial class NotificationHubConnection
{
    /// <summary>Direct send is documented for this version (learn.microsoft.com/rest/api/notificationhubs/direct-send).</summary>
    public const string ApiVersion = "2015-04";

    private NotificationHubConnection(Uri endpoint, string hubName, string keyName, string key)
    {
        Endpoint = endpoint;
        HubName = hubName;
        KeyName = keyName;
        Key = key;
        ResourceUri = new Uri(endpoint, Uri.EscapeDataString(hubName));
        DirectSendUri = new Uri($"{ResourceUri.AbsoluteUri}/messages/?direct&api-version={ApiVersion}");
    }

    /// <summary>The namespace's REST endpoint with a trailing slash: <c>sb://</c> becomes <c>https://</c>.</summary>
    public Uri Endpoint { get; }

    public string HubName { get; }

    /// <summary>The SAS rule name (<c>skn</c>).</summary>
    public string KeyName { get; }

    /// <summary>The SAS key, used as the UTF-8 bytes of the string (not Base64-decoded), as Service Bus does.</summary>
    public string Key { get; }

    /// <summary>The hub's resource URI, which the SAS token is signed for (<c>sr</c>).</summary>
    public Uri ResourceUri { get; }

    /// <summary><c>POST {endpoint}/{hub}/messages/?direct&amp;api-version=2015-04</c>.</summary>
    public Uri DirectSendUri { get; }

    public static NotificationHubConnection Parse(NotificationHubsOptions options) => Parse(options.ConnectionString, options.HubName);

    /// <exception cref="FormatException">The connection string or hub name is unusable; the message says which part and why.</exception>
    public static NotificationHubConnection Parse(string connectionString, string hubName)
    {
        var parts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in (connectionString ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new FormatException(
                    "NotificationHubs__ConnectionString is not a list of Name=Value pairs separated by ';'. Copy it from the namespace's "
                    + "Access Policies (Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...).");
            }

            parts[part[..equals].Trim()] = part[(equals + 1)..].Trim();
        }

        var endpointText = Required(parts, "Endpoint");
        var keyName = Required(parts, "SharedAccessKeyName");
        var key = Required(parts, "SharedAccessKey");
        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var endpoint)
            || endpoint.Scheme is not ("sb" or "https" or "http") || string.IsNullOrEmpty(endpoint.Host))
        {
            throw new FormatException(
                "NotificationHubs__ConnectionString has an Endpoint that is not an sb://, https:// or http:// URL "
                + "(e.g. Endpoint=sb://{namespace}.servicebus.windows.net/).");
        }

        var hub = (hubName ?? "").Trim();
        if (!HubNamePattern().IsMatch(hub))
        {
            throw new FormatException(
                "NotificationHubs__HubName must be the hub's name: 1 to 260 letters, digits, '.', '-' or '_'.");
        }

        var rest = new UriBuilder(endpoint)
        {
            Scheme = endpoint.Scheme == "sb" ? Uri.UriSchemeHttps : endpoint.Scheme,
            Port = endpoint.Scheme == "sb" || endpoint.IsDefaultPort ? -1 : endpoint.Port,
            Path = endpoint.AbsolutePath.TrimEnd('/') + "/",
            Query = "",
            Fragment = "",
        };
        return new NotificationHubConnection(rest.Uri, hub, keyName, key);
    }

    public override string ToString() => $"NotificationHubConnection({ResourceUri}, {KeyName}, key redacted)";

    private static string Required(Dictionary<string, string> parts, string name) =>
        parts.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new FormatException($"NotificationHubs__ConnectionString has no {name}=...; copy the full connection string from the namespace's Access Policies.");

    [GeneratedRegex("^[A-Za-z0-9._-]{1,260}$")]
    private static partial Regex HubNamePattern();
}
