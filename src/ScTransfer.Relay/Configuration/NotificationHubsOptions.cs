using ScTransfer.Relay.Protocol;
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

    /// <summary>
    /// The platforms the hub holds credentials for, so the only ones a push can reach: <c>apns</c> and <c>fcm</c>,
    /// comma-separated, or <c>none</c>; empty: both. A token of a platform not listed gets
    /// <c>isPushNotificationSupported: false</c> and no push, so its device polls instead of waiting for a push that
    /// cannot come. Bicep fills it from the credentials the hub holds (docs/deploy.md, "Push credentials").
    /// </summary>
    public string Platforms { get; set; } = "";

    /// <summary>Both settings are present: pushes are on.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(ConnectionString) && !string.IsNullOrWhiteSpace(HubName);

    /// <summary>Neither setting is present: pushes are off, by choice.</summary>
    public bool IsEmpty => string.IsNullOrWhiteSpace(ConnectionString) && string.IsNullOrWhiteSpace(HubName);

    /// <summary>
    /// The token types (<see cref="NotificationToken.Apns"/>, <see cref="NotificationToken.Fcm"/>) that
    /// <see cref="Platforms"/> lets the relay push to; false with a message naming the setting when it is malformed.
    /// </summary>
    public bool TryGetReachableTokenTypes(out IReadOnlySet<string> tokenTypes, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        tokenTypes = new HashSet<string>(StringComparer.Ordinal);
        error = null;
        var names = Platforms.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            tokenTypes = new HashSet<string>([NotificationToken.Apns, NotificationToken.Fcm], StringComparer.Ordinal);
            return true;
        }

        if (names is ["none"])
        {
            return true;
        }

        var reachable = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            switch (name.ToLowerInvariant())
            {
                case "apns":
                    reachable.Add(NotificationToken.Apns);
                    break;
                case "fcm":
                    reachable.Add(NotificationToken.Fcm);
                    break;
                default:
                    error = $"NotificationHubs:Platforms lists '{name}': use apns and/or fcm separated by commas, none, or leave it empty for both.";
                    return false;
            }
        }

        tokenTypes = reachable;
        return true;
    }
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
        if (!options.TryGetReachableTokenTypes(out _, out var platforms))
        {
            errors.Add(platforms);
        }

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
