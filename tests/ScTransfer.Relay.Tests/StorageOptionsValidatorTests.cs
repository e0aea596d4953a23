using ScTransfer.Relay.Configuration;
using ScTransfer.Testing;

namespace ScTransfer.Relay.Tests;

/// <summary>
/// <c>Storage__*</c> at start-up: exactly one of the connection string and the table endpoint, each in a form the
/// storage client takes, the table name, shards and timeouts in range. A connection string holds the account key: it
/// is never quoted.
/// </summary>
[Trait(Needs.Trait, Needs.Nothing)]
public sealed class StorageOptionsValidatorTests
{
    private const string AccountKey = "c2VjcmV0LWFjY291bnQta2V5LW5vdC10by1iZS1zaG93bg==";

    private static List<string> Failures(StorageOptions options) => [.. new StorageOptionsValidator().Validate(null, options).Failures ?? []];

    [Theory]
    [InlineData("UseDevelopmentStorage=true", null)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=relay;AccountKey=" + AccountKey + ";EndpointSuffix=core.windows.net", null)]
    [InlineData(null, "https://relay.table.core.windows.net")]
    public void A_connection_string_or_an_https_table_endpoint_is_taken(string? connectionString, string? endpoint)
    {
        Assert.Empty(Failures(new StorageOptions { ConnectionString = connectionString, TableEndpoint = endpoint }));
    }

    [Theory]
    [InlineData(null, null, "neither is set.")]
    [InlineData("UseDevelopmentStorage=true", "https://relay.table.core.windows.net", "both are set.")]
    [InlineData(" ", "", "neither is set.")]
    public void Exactly_one_of_the_two_must_be_set(string? connectionString, string? endpoint, string problem)
    {
        var failure = Assert.Single(Failures(new StorageOptions { ConnectionString = connectionString, TableEndpoint = endpoint }));

        Assert.StartsWith("Set exactly one of Storage__ConnectionString (e.g. UseDevelopmentStorage=true for Azurite) and Storage__TableEndpoint", failure, StringComparison.Ordinal);
        Assert.EndsWith(problem, failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("AccountName=relay")] // no key, no endpoint
    [InlineData("DefaultEndpointsProtocol=https;AccountName=relay;AccountKey=" + AccountKey + "!;EndpointSuffix=core.windows.net")]
    [InlineData(AccountKey)]
    public void A_connection_string_the_client_cannot_read_is_refused_without_quoting_it(string connectionString)
    {
        var failure = Assert.Single(Failures(new StorageOptions { ConnectionString = connectionString }));

        Assert.StartsWith("Storage__ConnectionString is not a storage connection string: give UseDevelopmentStorage=true", failure, StringComparison.Ordinal);
        Assert.DoesNotContain(AccountKey, failure, StringComparison.Ordinal);
        Assert.DoesNotContain("relay", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unresolved_Key_Vault_reference_in_the_connection_string_says_so()
    {
        var failure = Assert.Single(Failures(new StorageOptions { ConnectionString = "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/storage)" }));

        Assert.StartsWith("Storage__ConnectionString is an unresolved Key Vault reference", failure, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://relay.table.core.windows.net")] // a token credential needs https
    [InlineData("relay.table.core.windows.net")]
    [InlineData("https://relay.table.core.windows.net/?sv=2024")]
    public void A_table_endpoint_that_is_not_an_https_URL_is_refused(string endpoint)
    {
        var failure = Assert.Single(Failures(new StorageOptions { TableEndpoint = endpoint }));

        Assert.StartsWith("Storage__TableEndpoint must be the account's table endpoint, an https URL", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Table_name_shards_timeout_retries_and_client_id_are_checked_together()
    {
        var options = new StorageOptions
        {
            ConnectionString = "UseDevelopmentStorage=true",
            MailboxTable = "mail-boxes",
            Shards = 0,
            NetworkTimeout = TimeSpan.Zero,
            MaxRetries = 11,
            ManagedIdentityClientId = "relay-identity",
        };

        Assert.Equal(
            [
                "Storage__MailboxTable must match ^[A-Za-z][A-Za-z0-9]{2,62}$.",
                "Storage__Shards must be between 1 and 256; it is 0.",
                "Storage__NetworkTimeout must be between 00:00:01 and 00:01:00; it is 00:00:00.",
                "Storage__MaxRetries must be between 0 and 10; it is 11.",
                "AZURE_CLIENT_ID must be the client id (a GUID) of the app's user-assigned managed identity, or not set for the system-assigned one.",
            ],
            Failures(options));
    }
}
