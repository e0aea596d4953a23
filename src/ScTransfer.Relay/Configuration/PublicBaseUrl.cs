using System.Globalization;

namespace ScTransfer.Relay.Configuration;

/// <summary>
/// <c>Relay__PublicBaseUrl</c>, parsed once by the rule the start-up check reports (<see cref="RelayOptionsValidator"/>):
/// an absolute https URL (http only for a loopback host, for local runs) without user info, query or fragment. Share
/// links are built on it (never on the request's Host header, which a client controls), and its host is the Privacy
/// Pass origin.
/// </summary>
public sealed class PublicBaseUrl
{
    private const string Rule = "must be the relay's public URL: absolute, https (http only for a loopback host, e.g. http://127.0.0.1:7071), "
        + "without user info, query or fragment, e.g. https://relay.example.com";

    private PublicBaseUrl(Uri uri)
    {
        Uri = uri;
        Origin = uri.IsDefaultPort ? uri.IdnHost : uri.IdnHost + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
    }

    public Uri Uri { get; }

    /// <summary>The host, and the port unless it is the scheme's default: the Privacy Pass <c>origin_info</c> (RFC 9577 §2.1.1).</summary>
    public string Origin { get; }

    /// <summary>The URL of <paramref name="options"/>; a missing or malformed one throws, saying what is wrong.</summary>
    public static PublicBaseUrl From(RelayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new SettingErrors(RelayOptions.SectionName);
        return Parse(options.PublicBaseUrl, errors) ?? throw new InvalidOperationException(string.Join(" ", errors.Messages));
    }

    /// <summary>Parses the setting, adding to <paramref name="errors"/> what is wrong (never the value: it could hold user info).</summary>
    internal static PublicBaseUrl? Parse(string? configured, SettingErrors errors)
    {
        var problem = string.IsNullOrWhiteSpace(configured) ? "it is not set"
            : !Uri.TryCreate(configured.Trim(), UriKind.Absolute, out var uri) ? "it is not an absolute URL"
            : uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback ? "it is http for a host that is not loopback"
            : uri.Scheme is not ("https" or "http") ? $"its scheme is {uri.Scheme}"
            : uri.UserInfo.Length > 0 ? "it has user info"
            : uri.Query.Length > 0 ? "it has a query"
            : uri.Fragment.Length > 0 ? "it has a fragment"
            : null;
        if (problem is not null)
        {
            errors.Add(nameof(RelayOptions.PublicBaseUrl), $"{Rule}; {problem}.");
            return null;
        }

        return new PublicBaseUrl(new Uri(configured!.Trim(), UriKind.Absolute));
    }
}
