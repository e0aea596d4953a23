namespace ScTransfer.Client;

/// <summary>
/// A mailbox link with the Secret as its URI fragment (draft §8.3, Figure 10):
/// <c>https://relay.example/v1/m/{mailboxIdentifier}#{Secret}</c>. The fragment is split off when the link is parsed
/// and no request is ever built from <see cref="MailboxUrl"/>: the client addresses the relay by
/// <see cref="MailboxId"/> alone, so the Secret cannot reach it.
/// </summary>
public sealed class ShareLink
{
    private ShareLink(Uri mailboxUrl, Guid mailboxId, ShareSecret secret)
    {
        MailboxUrl = mailboxUrl;
        MailboxId = mailboxId;
        Secret = secret;
    }

    /// <summary>The link without its fragment: safe to show, log or send to the relay's preview.</summary>
    public Uri MailboxUrl { get; }

    public Guid MailboxId { get; }

    public ShareSecret Secret { get; }

    /// <summary>
    /// The relay this link names: the link up to its <c>v1/</c> segment (or its origin). A receiver normally talks to
    /// it; a client configured for a relay whose public URL differs from where it can reach it uses its own base.
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

    /// <summary>Joins the relay's <c>urlLink</c> and the secret (what a sender shares in one message).</summary>
    public static ShareLink Create(Uri mailboxUrl, Guid mailboxId, ShareSecret secret)
    {
        ArgumentNullException.ThrowIfNull(mailboxUrl);
        ArgumentNullException.ThrowIfNull(secret);
        return new ShareLink(new Uri(mailboxUrl.GetLeftPart(UriPartial.Query)), mailboxId, secret);
    }

    /// <summary>
    /// Parses a received link. Accepts the draft's forms (<c>/v1/m/{id}</c>, Figure 10's <c>/v1/{id}</c>) and later
    /// revisions' <c>?v=</c> query. Error messages never repeat the link, which holds the secret.
    /// </summary>
    public static ShareLink Parse(string link)
    {
        if (!Uri.TryCreate(link?.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            throw new InvalidShareLinkException("The share link is not an https:// (or http://) URL.");
        }

        var lastSegment = uri.Segments.Length > 0 ? uri.Segments[^1].TrimEnd('/') : "";
        if (!Guid.TryParseExact(lastSegment, "D", out var mailboxId))
        {
            throw new InvalidShareLinkException("The share link does not end with a mailbox identifier (a UUID), e.g. https://relay.example/v1/m/<uuid>#<secret>.");
        }

        if (uri.Fragment.Length <= 1)
        {
            throw new InvalidShareLinkException("The share link has no secret: it must end with #<secret> (draft §8.3). Ask the sender for the secret.");
        }

        if (!ShareSecret.TryParse(uri.Fragment[1..], out var secret))
        {
            throw new InvalidShareLinkException("The secret after '#' is not a 128- or 256-bit key in base64url: the link was cut or altered.");
        }

        return new ShareLink(new Uri(uri.GetLeftPart(UriPartial.Query)), mailboxId, secret!);
    }

    /// <summary>The full link including the secret. Deliberately not <see cref="ToString"/>.</summary>
    public string Reveal() => MailboxUrl.AbsoluteUri + "#" + Secret.ToBase64Url();

    public override string ToString() => MailboxUrl.AbsoluteUri + "#<secret>";
}
