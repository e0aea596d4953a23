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

    /// <summary>Table holding one entity per mailbox.</summary>
    public string MailboxTable { get; set; } = "mailboxes";

    /// <summary>
    /// Partitions the mailbox table is split into (PartitionKey "s00".."sNN" from a SHA-256 of the mailbox id). Fixed
    /// for the life of a deployment's data: changing it strands existing mailboxes. 64 partitions of 2,000 entities/s
    /// each are well above one account's 20,000 transactions/s, and the purge's per-run cost is one query per shard.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(1, 256)]
    public int Shards { get; set; } = 64;

    /// <summary>Per-attempt network timeout for a storage call; with <see cref="MaxRetries"/> it bounds how long a request waits on an outage.</summary>
    public TimeSpan NetworkTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Retries of a failed storage call before the request answers 503.</summary>
    public int MaxRetries { get; set; } = 2;
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
