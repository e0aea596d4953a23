namespace ScTransfer.Relay.Configuration;

/// <summary>
/// Where pushes go (configuration section <c>NotificationHubs</c>, env <c>NotificationHubs__*</c>). Leave both empty to
/// run without pushes; set both to send through Azure Notification Hubs.
/// </summary>
public sealed class NotificationHubsOptions
{
    public const string SectionName = "NotificationHubs";

    /// <summary>
    /// The namespace's connection string, e.g. <c>Endpoint=sb://{namespace}.servicebus.windows.net/;SharedAccessKeyName=DefaultFullSharedAccessSignature;SharedAccessKey=...</c>.
    /// The key needs Send rights. An <c>http://</c> or <c>https://</c> endpoint is used as it is (a local stand-in).
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The notification hub's name inside that namespace.</summary>
    public string HubName { get; set; } = "";

    /// <summary>Both settings are present: pushes are on.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString) && !string.IsNullOrWhiteSpace(HubName);

    /// <summary>Neither setting is present: pushes are off, by choice.</summary>
    public bool IsEmpty => string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(HubName);
}
