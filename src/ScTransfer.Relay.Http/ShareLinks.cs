using ScTransfer.Relay.Configuration;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>
/// Builds mailbox URLs (§6.1.5 <c>urlLink</c>) from the configured public base URL (<see cref="PublicBaseUrl"/>, parsed
/// and checked at start-up), never from the request's Host header, which a client controls.
/// </summary>
public sealed class ShareLinks
{
    private readonly string _prefix;

    public ShareLinks(PublicBaseUrl publicBaseUrl)
    {
        ArgumentNullException.ThrowIfNull(publicBaseUrl);
        var uri = publicBaseUrl.Uri;
        _prefix = uri.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/v1/m/";
        PathPrefix = uri.AbsolutePath.TrimEnd('/') + "/v1/m/";
        Authority = uri.Authority;
        Scheme = uri.Scheme;
    }

    /// <summary>The path every share link starts with, e.g. <c>/v1/m/</c> (under the base URL's own path, if it has one).</summary>
    internal string PathPrefix { get; }

    /// <summary>The host (and port, if not the default) of every share link.</summary>
    internal string Authority { get; }

    /// <summary>The scheme of every share link: https in any real deployment.</summary>
    internal string Scheme { get; }

    public string For(MailboxId id) => _prefix + id.ToString();
}
