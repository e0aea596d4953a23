namespace ScTransfer.Client;

/// <summary>
/// Where a mailbox lives: a relay mailbox URL without any fragment (draft §6.1.5 <c>urlLink</c>). Safe to show, log
/// and fetch a preview from.
/// </summary>
public sealed record MailboxLocation(Uri MailboxUrl, Guid MailboxId)
{
    /// <summary>
    /// The relay this link names: the link up to its <c>v1/</c> segment (or its origin). A receiver normally talks to
    /// it; a client whose relay is reached at another address than its public URL uses its own base instead.
    /// </summary>
    public Uri RelayBaseAddress
    {
        get
        {
            var path = MailboxUrl.AbsolutePath;
            var version = path.IndexOf("/v1/", StringComparison.Ordinal);
            return new Uri(MailboxUrl, version >= 0 ? path[..(version + 1)] : "/");
        }
    }

    /// <summary>
    /// Reads a mailbox link, dropping any fragment. Accepts the draft's forms (<c>/v1/m/{id}</c>, Figure 10's
    /// <c>/v1/{id}</c>) and later revisions' <c>?v=</c> query. Messages never repeat the link, which may hold a secret.
    /// </summary>
    public static MailboxLocation Parse(string link) => Parse(link, out _);

    internal static MailboxLocation Parse(string link, out string fragment)
    {
        if (!Uri.TryCreate(link?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw new InvalidShareLinkException("The share link is not an https:// (or http://) URL.");
        }

        if (!Guid.TryParseExact(uri.Segments[^1].TrimEnd('/'), "D", out var mailboxId))
        {
            throw new InvalidShareLinkException("The share link does not end with a mailbox identifier (a UUID), e.g. https://relay.example/v1/m/<uuid>#<secret>.");
        }

        fragment = uri.Fragment.Length > 1 ? uri.Fragment[1..] : "";
        return new MailboxLocation(new Uri(uri.GetLeftPart(UriPartial.Query)), mailboxId);
    }

    public override string ToString() => MailboxUrl.AbsoluteUri;
}

/// <summary>
/// A mailbox link with the Secret as its URI fragment (draft §8.3, Figure 10):
/// <c>https://relay.example/v1/m/{mailboxIdentifier}#{Secret}</c>. The fragment is split off when the link is parsed,
/// and requests are built from <see cref="MailboxId"/> alone, never from the link, so the Secret cannot reach the relay.
/// </summary>
public sealed class ShareLink
{
    private ShareLink(MailboxLocation location, ShareSecret secret)
    {
        Location = location;
        Secret = secret;
    }

    public MailboxLocation Location { get; }

    public Guid MailboxId => Location.MailboxId;

    public ShareSecret Secret { get; }

    /// <summary>Joins the relay's <c>urlLink</c> and the secret (what a sender shares in one message).</summary>
    public static ShareLink Create(Uri mailboxUrl, Guid mailboxId, ShareSecret secret)
    {
        ArgumentNullException.ThrowIfNull(mailboxUrl);
        ArgumentNullException.ThrowIfNull(secret);
        return new ShareLink(new MailboxLocation(new Uri(mailboxUrl.GetLeftPart(UriPartial.Query)), mailboxId), secret);
    }

    /// <summary>Parses a received link; the secret must be a 128- or 256-bit key in base64url.</summary>
    public static ShareLink Parse(string link)
    {
        var location = MailboxLocation.Parse(link, out var fragment);
        if (fragment.Length == 0)
        {
            throw new InvalidShareLinkException("The share link has no secret: it must end with #<secret> (draft §8.3). Ask the sender for the whole link.");
        }

        if (!ShareSecret.TryParse(fragment, out var secret))
        {
            throw new InvalidShareLinkException("The secret after '#' is not a 128- or 256-bit key in base64url: the link was cut or altered.");
        }

        return new ShareLink(location, secret!);
    }

    /// <summary>The full link including the secret. Deliberately not <see cref="ToString"/>.</summary>
    public string Reveal() => Location.MailboxUrl.AbsoluteUri + "#" + Secret.ToBase64Url();

    public override string ToString() => Location.MailboxUrl.AbsoluteUri + "#<secret>";
}
