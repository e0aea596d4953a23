using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Web;

namespace ScTransfer.Relay.Push;

/// <summary>
/// Service Bus shared access signatures, as Notification Hubs expects them:
/// <c>SharedAccessSignature sr={enc(uri)}&amp;sig={enc(sig)}&amp;se={expiry}&amp;skn={keyName}</c> with
/// <c>sig = Base64(HMAC-SHA256(UTF-8(key), enc(uri) + "\n" + expiry))</c>. The URI is lower-cased and encoded the
/// way the official SDK does it (HttpUtility.UrlEncode).
/// </summary>
internal static class SharedAccessSignature
{
    public static string Create(Uri resourceUri, string keyName, string key, DateTimeOffset expiresAt)
    {
        var resource = HttpUtility.UrlEncode(resourceUri.AbsoluteUri.ToLowerInvariant());
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(resource + "\n" + expiry)));
        return $"SharedAccessSignature sr={resource}&sig={HttpUtility.UrlEncode(signature)}&se={expiry}&skn={HttpUtility.UrlEncode(keyName)}";
    }
}

/// <summary>
/// One SAS token for the hub, reused until shortly before it expires, so a push costs no HMAC and the token's
/// lifetime stays short. Safe for concurrent use: two callers racing at renewal both get valid tokens.
/// </summary>
internal sealed class SharedAccessTokenCache(NotificationHubConnection connection, TimeProvider time)
{
    /// <summary>How long a token is valid.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    /// <summary>A token is replaced this long before it expires, so none expires in flight (requests last at most seconds).</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);

    private volatile CachedToken? _current;

    public string GetToken()
    {
        var now = time.GetUtcNow();
        var current = _current;
        if (current is null || now >= current.RenewAt)
        {
            var expiresAt = now + Lifetime;
            current = new CachedToken(
                SharedAccessSignature.Create(connection.ResourceUri, connection.KeyName, connection.Key, expiresAt),
                expiresAt - RenewBefore);
            _current = current;
        }

        return current.Token;
    }

    private sealed record CachedToken(string Token, DateTimeOffset RenewAt);
}
