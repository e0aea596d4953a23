using ScTransfer.Relay.Push;

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

/// <summary>
/// <c>NotificationHubs__*</c>: both or neither, and a connection string and hub name the client can use
/// (<see cref="NotificationHubConnection"/>, whose messages never quote the key). An unresolved Key Vault reference is
/// no error here: pushes go off and the relay starts, saying so (<see cref="PushServiceCollectionExtensions"/>).
/// </summary>
internal sealed class NotificationHubsOptionsValidator() : SettingsValidator<NotificationHubsOptions>(NotificationHubsOptions.SectionName)
{
    protected override void Check(NotificationHubsOptions options, SettingErrors errors)
    {
        if (options.IsEmpty || PushServiceCollectionExtensions.IsUnresolved(options))
        {
            return;
        }

        if (!options.IsConfigured)
        {
            errors.Add($"Set both {errors.Name(nameof(NotificationHubsOptions.ConnectionString))} and {errors.Name(nameof(NotificationHubsOptions.HubName))} "
                + "to send pushes, or neither to run without them.");
            return;
        }

        try
        {
            NotificationHubConnection.Parse(options);
        }
        catch (FormatException wrong)
        {
            errors.Add(wrong.Message);
        }
    }
}
