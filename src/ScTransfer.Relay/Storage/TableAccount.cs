using Azure.Core;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.Storage;

/// <summary>
/// Where the table service is and how requests to it are authorised, from <see cref="StorageOptions"/>: a connection
/// string with an account key (SharedKeyLite) or a shared access signature, or a table endpoint with a token credential
/// (the app's managed identity, bearer tokens). The same two configurations the Azure SDK client accepts.
/// </summary>
internal sealed class TableAccount
{
    /// <summary>Azurite's development account (public, in Azurite's documentation), as <c>UseDevelopmentStorage=true</c> means.</summary>
    private const string DevelopmentAccount = "devstoreaccount1";
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private TableAccount(Uri endpoint, string? name, byte[]? key, string? sharedAccessSignature, TokenCredential? credential)
    {
        // Kept without a trailing slash: table URIs are "{endpoint}/{table}...".
        Endpoint = endpoint.AbsoluteUri.TrimEnd('/');
        Name = name;
        Key = key;
        SharedAccessSignature = sharedAccessSignature?.TrimStart('?');
        Credential = credential;
    }

    /// <summary>The table service endpoint, e.g. <c>https://acct.table.core.windows.net</c> or Azurite's <c>http://127.0.0.1:10002/devstoreaccount1</c>.</summary>
    public string Endpoint { get; }

    /// <summary>The account name (SharedKeyLite signs with it); null with a token credential.</summary>
    public string? Name { get; }

    /// <summary>The decoded account key, when requests are signed with SharedKeyLite.</summary>
    public byte[]? Key { get; }

    /// <summary>A shared access signature appended to every request URI, when the connection string has one.</summary>
    public string? SharedAccessSignature { get; }

    /// <summary>A token credential (bearer tokens for https://storage.azure.com), when there is no connection string.</summary>
    public TokenCredential? Credential { get; }

    public static TableAccount FromEndpoint(Uri endpoint, TokenCredential credential) => new(endpoint, null, null, null, credential);

    /// <summary>
    /// Parses a storage connection string: <c>UseDevelopmentStorage=true</c>, or <c>AccountName</c> with
    /// <c>AccountKey</c> or <c>SharedAccessSignature</c>, and <c>TableEndpoint</c> or
    /// <c>DefaultEndpointsProtocol</c>/<c>EndpointSuffix</c> to derive it.
    /// </summary>
    public static TableAccount FromConnectionString(string connectionString)
    {
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                settings[part[..equals].Trim()] = part[(equals + 1)..].Trim();
            }
        }

        if (settings.TryGetValue("UseDevelopmentStorage", out var development) && bool.TryParse(development, out var useDevelopment) && useDevelopment)
        {
            return new TableAccount(new Uri("http://127.0.0.1:10002/" + DevelopmentAccount), DevelopmentAccount, Convert.FromBase64String(DevelopmentKey), null, null);
        }

        settings.TryGetValue("AccountName", out var name);
        settings.TryGetValue("AccountKey", out var key);
        settings.TryGetValue("SharedAccessSignature", out var signature);
        Uri? endpoint = null;
        if (settings.TryGetValue("TableEndpoint", out var tableEndpoint))
        {
            _ = Uri.TryCreate(tableEndpoint, UriKind.Absolute, out endpoint);
        }
        else if (name is not null)
        {
            var protocol = settings.GetValueOrDefault("DefaultEndpointsProtocol", "https");
            var suffix = settings.GetValueOrDefault("EndpointSuffix", "core.windows.net");
            _ = Uri.TryCreate($"{protocol}://{name}.table.{suffix}", UriKind.Absolute, out endpoint);
        }

        byte[]? keyBytes = null;
        if (key is not null)
        {
            keyBytes = new byte[key.Length];
            if (!Convert.TryFromBase64String(key, keyBytes, out var written))
            {
                throw new InvalidOperationException("Storage:ConnectionString has an AccountKey that is not base64.");
            }

            keyBytes = keyBytes[..written];
        }

        return (endpoint, name, keyBytes, signature) switch
        {
            ({ } e, { } n, { } k, _) => new TableAccount(e, n, k, null, null),
            ({ } e, _, null, { } s) => new TableAccount(e, name, null, s, null),
            _ => throw new InvalidOperationException(
                "Storage:ConnectionString needs UseDevelopmentStorage=true, or AccountName with AccountKey (or SharedAccessSignature) "
                + "and a table endpoint (TableEndpoint, or DefaultEndpointsProtocol and EndpointSuffix)."),
        };
    }
}
