using System.ComponentModel.DataAnnotations;
using Azure.Data.Tables;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// Where mailboxes live (configuration section <c>Storage</c>). Exactly one of <see cref="ConnectionString"/>
/// (Azurite or a key-based account) and <see cref="TableEndpoint"/> (Azure, with the credential <see cref="Credential"/>
/// names: the app's managed identity unless told otherwise) must be set.
/// </summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>A storage connection string, e.g. <c>UseDevelopmentStorage=true</c> for Azurite.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The account's table endpoint, e.g. <c>https://myaccount.table.core.windows.net</c>.</summary>
    public string? TableEndpoint { get; set; }

    /// <summary>
    /// How <see cref="TableEndpoint"/> is reached: <see cref="StorageCredentialKind.ManagedIdentity"/> (the default; the
    /// user-assigned identity named by <c>AZURE_CLIENT_ID</c>, else the system-assigned one) or
    /// <see cref="StorageCredentialKind.Default"/> for a developer's workstation.
    /// </summary>
    public StorageCredentialKind Credential { get; set; } = StorageCredentialKind.ManagedIdentity;

    /// <summary>
    /// The client id of the user-assigned managed identity, from the standard <c>AZURE_CLIENT_ID</c> setting (Bicep sets
    /// it); null for the system-assigned identity. Not a <c>Storage</c> setting of its own.
    /// </summary>
    public string? ManagedIdentityClientId { get; internal set; }

    /// <summary>Table holding one entity per mailbox (an Azure table name: a letter, then 2–62 letters or digits).</summary>
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string MailboxTable { get; set; } = "mailboxes";

    /// <summary>
    /// Partitions the mailbox table is split into (PartitionKey "s00".."sNN" from a SHA-256 of the mailbox id). Fixed
    /// for the life of a deployment's data: changing it strands existing mailboxes. 64 partitions of 2,000 entities/s
    /// each are well above one account's 20,000 transactions/s, and the purge's per-run cost is one query per shard.
    /// </summary>
    [Range(1, 256)]
    public int Shards { get; set; } = 64;

    /// <summary>Per-attempt network timeout for a storage call; with <see cref="MaxRetries"/> it bounds how long a request waits on an outage.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Retries of a failed storage call before the request answers 503.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 2;
}

/// <summary>
/// <c>Storage__*</c>: exactly one of the connection string and the table endpoint, each in a form the storage client
/// takes (the endpoint https, as token credentials require), the ranges above, and an <c>AZURE_CLIENT_ID</c> that is a
/// client id. A connection string holds the account key: no message quotes it.
/// </summary>
internal sealed class StorageOptionsValidator() : SettingsValidator<StorageOptions>(StorageOptions.SectionName)
{
    protected override void Check(StorageOptions options, SettingErrors errors)
    {
        var connectionString = options.ConnectionString?.Trim();
        var endpoint = options.TableEndpoint?.Trim();
        var connectionStringName = errors.Name(nameof(StorageOptions.ConnectionString));
        var endpointName = errors.Name(nameof(StorageOptions.TableEndpoint));
        if (string.IsNullOrEmpty(connectionString) == string.IsNullOrEmpty(endpoint))
        {
            errors.Add($"Set exactly one of {connectionStringName} (e.g. UseDevelopmentStorage=true for Azurite) and {endpointName} "
                + "(e.g. https://<account>.table.core.windows.net, reached with the app's managed identity); "
                + (string.IsNullOrEmpty(connectionString) ? "neither is set." : "both are set."));
        }
        else if (!string.IsNullOrEmpty(connectionString))
        {
            CheckConnectionString(connectionString, errors);
        }
        else if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            errors.Add(nameof(StorageOptions.TableEndpoint),
                "must be the account's table endpoint, an https URL without query, e.g. https://<account>.table.core.windows.net (token credentials need https).");
        }

        if (!string.IsNullOrWhiteSpace(options.ManagedIdentityClientId) && !Guid.TryParse(options.ManagedIdentityClientId, out _))
        {
            errors.Add("AZURE_CLIENT_ID must be the client id (a GUID) of the app's user-assigned managed identity, or not set for the system-assigned one.");
        }
    }

    private static void CheckConnectionString(string connectionString, SettingErrors errors)
    {
        if (KeyVaultReference.IsUnresolved(connectionString))
        {
            errors.Add(KeyVaultReference.CannotServeWithout(errors.Name(nameof(StorageOptions.ConnectionString))));
            return;
        }

        try
        {
            _ = new TableServiceClient(connectionString); // parses only: no request is made
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            // The client's own message may quote part of the string, which holds the account key.
            errors.Add(nameof(StorageOptions.ConnectionString),
                "is not a storage connection string: give UseDevelopmentStorage=true (Azurite) or the account's, "
                + "DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=core.windows.net.");
        }
    }
}

/// <summary>The token credential of <see cref="StorageOptions.TableEndpoint"/>.</summary>
public enum StorageCredentialKind
{
    /// <summary>The app's managed identity (<c>ManagedIdentityCredential</c>): deterministic, for Azure.</summary>
    ManagedIdentity,

    /// <summary>
    /// <c>DefaultAzureCredential</c>: whatever the machine is signed in with (environment, Azure CLI, IDE), for a
    /// developer's workstation against a real account. Not for production: which credential answers depends on the machine.
    /// </summary>
    Default,
}
