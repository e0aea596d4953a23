using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using ScTransfer.Relay.Protocol;

namespace ScTransfer.Relay.Http;

/// <summary>
/// The wallet app(s) this relay's share links open (<see cref="AppLinksOptions"/>, docs/apps.md): the two association
/// files, built once at start-up from the settings (no storage operation serves them), and what the share page offers
/// a person to open the app or get it.
/// </summary>
public sealed class AppLinks
{
    /// <summary>
    /// How long a client may keep an association file: Apple's CDN fetches it within a day and devices look again
    /// about weekly; Android verifies at install and takes a statement's lifetime from the HTTP caching headers
    /// (docs/apps.md, "How the association is checked"). An hour keeps a corrected setting from waiting a day on
    /// anyone's cache while costing one request an hour per cache.
    /// </summary>
    public const string CacheControl = "public, max-age=3600";

    /// <summary>Apple's components match a share link's path: the prefix and the 36 characters of an 8-4-4-4-12 identifier.</summary>
    internal const string IdentifierPattern = "????????-????-????-????-????????????";

    internal static readonly ProtocolError AppleNotConfigured = new(
        404, "No such file", "This relay names no iOS app for its links (AppLinks__AppleAppIds is not set).");

    internal static readonly ProtocolError AndroidNotConfigured = new(
        404, "No such file", "This relay names no Android app for its links (AppLinks__AndroidPackageName is not set).");

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, Encoder = RelayResults.JsonEncoder };

    private readonly ShareLinks _links;
    private readonly string? _androidPackage;

    public AppLinks(IOptions<AppLinksOptions> options, ShareLinks links)
    {
        var settings = options.Value;
        _links = links;
        var appIds = settings.AppleAppIdList();
        var package = settings.AndroidPackageName.Trim();
        _androidPackage = package.Length > 0 ? package : null;
        AppName = settings.AppName.Trim() is { Length: > 0 } name ? name : null;
        AppStoreUrl = settings.AppStoreUrl.Trim() is { Length: > 0 } appStore ? appStore : null;
        PlayStoreUrl = settings.PlayStoreUrl.Trim() is { Length: > 0 } play ? play : null;
        AppStoreId = settings.AppStoreId();
        SharePathPattern = links.PathPrefix + IdentifierPattern;
        // Typed: a bare null would convert to an empty ReadOnlyMemory (through byte[]) and serve an empty file.
        AppleAssociation = appIds.Count > 0 ? Write(json => WriteApple(json, appIds, SharePathPattern)) : (ReadOnlyMemory<byte>?)null;
        AndroidAssociation = _androidPackage is not null
            ? Write(json => WriteAndroid(json, _androidPackage, settings.AndroidFingerprintList()))
            : (ReadOnlyMemory<byte>?)null;
    }

    /// <summary><c>/.well-known/apple-app-site-association</c>, or null when no iOS app is configured.</summary>
    public ReadOnlyMemory<byte>? AppleAssociation { get; }

    /// <summary><c>/.well-known/assetlinks.json</c>, or null when no Android app is configured.</summary>
    public ReadOnlyMemory<byte>? AndroidAssociation { get; }

    /// <summary>The Apple <c>components</c> path pattern: exactly the share links (e.g. <c>/v1/m/????????-…</c>).</summary>
    internal string SharePathPattern { get; }

    internal string? AppName { get; }

    internal string? AppStoreUrl { get; }

    internal string? PlayStoreUrl { get; }

    /// <summary>The numeric App Store id for Safari's Smart App Banner, when <see cref="AppStoreUrl"/> names one.</summary>
    internal string? AppStoreId { get; }

    /// <summary>
    /// What the share page of <paramref name="id"/> offers, or null when no app is configured. The links carry the
    /// share link without its fragment: a page without script cannot read the fragment, and the relay never sees it
    /// (draft §8.3).
    /// </summary>
    internal AppActions? ActionsFor(MailboxId id, ShareVertical vertical)
    {
        if (AppName is null)
        {
            return null;
        }

        var query = vertical.Query;
        var link = _links.For(id) + query;
        string? intent = null;
        if (_androidPackage is not null)
        {
            // Chrome's intent: syntax (developer.chrome.com/docs/android/intents): the share link as the intent's data,
            // the app's package, and the store page when the app is not installed.
            intent = $"intent://{_links.Authority}{_links.PathPrefix}{id}{query}#Intent;scheme={_links.Scheme};package={_androidPackage};"
                + (PlayStoreUrl is null ? "" : $"S.browser_fallback_url={Uri.EscapeDataString(PlayStoreUrl)};")
                + "end";
        }

        return new AppActions(AppName, intent, AppStoreId is null ? null : $"app-id={AppStoreId}, app-argument={link}", AppStoreUrl, PlayStoreUrl);
    }

    private static ReadOnlyMemory<byte> Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(json);
        }

        return buffer.WrittenMemory.ToArray();
    }

    /// <summary>
    /// Apple's current format (iOS 13 and later; developer.apple.com/documentation/bundleresources/applinks):
    /// <c>applinks.details[]</c>, each with <c>appIDs</c> and <c>components</c>. One component: the share links' path;
    /// any query (<c>?v=</c>) and any fragment (the secret, §8.3). Every other path of the domain stays in the browser.
    /// </summary>
    private static void WriteApple(Utf8JsonWriter json, IReadOnlyList<string> appIds, string pathPattern)
    {
        json.WriteStartObject();
        json.WriteStartObject("applinks");
        json.WriteStartArray("details");
        json.WriteStartObject();
        json.WriteStartArray("appIDs");
        foreach (var appId in appIds)
        {
            json.WriteStringValue(appId);
        }

        json.WriteEndArray();
        json.WriteStartArray("components");
        json.WriteStartObject();
        json.WriteString("/", pathPattern);
        json.WriteString("comment", "A share link: the mailbox identifier after the path; any query (?v=) and any fragment (the secret).");
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>A Digital Asset Links statement list: this site delegates handling its URLs to the app (its package and certificates).</summary>
    private static void WriteAndroid(Utf8JsonWriter json, string package, IReadOnlyList<string> fingerprints)
    {
        json.WriteStartArray();
        json.WriteStartObject();
        json.WriteStartArray("relation");
        json.WriteStringValue("delegate_permission/common.handle_all_urls");
        json.WriteEndArray();
        json.WriteStartObject("target");
        json.WriteString("namespace", "android_app");
        json.WriteString("package_name", package);
        json.WriteStartArray("sha256_cert_fingerprints");
        foreach (var fingerprint in fingerprints)
        {
            json.WriteStringValue(fingerprint);
        }

        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
    }
}

/// <summary>
/// What a share page offers to open the app or get it: Chrome's <c>intent:</c> link (Android), the content of Safari's
/// Smart App Banner (<c>apple-itunes-app</c>, iOS), and the store pages.
/// </summary>
internal sealed record AppActions(string AppName, string? IntentUrl, string? SmartAppBanner, string? AppStoreUrl, string? PlayStoreUrl);

/// <summary>
/// The credential vertical later revisions put in the share link's query, <c>?v=a|h|c</c> (access, home, car): it only
/// tailors the page's wording. Anything else, several values included, is <see cref="None"/>; it never causes an error.
/// </summary>
internal readonly record struct ShareVertical(char Letter)
{
    public static ShareVertical None => default;

    public static ShareVertical From(Microsoft.Extensions.Primitives.StringValues v) =>
        v is [{ Length: 1 } one] && one[0] is 'a' or 'h' or 'c' ? new ShareVertical(one[0]) : None;

    /// <summary>What was shared, as the page says it: "a car key".</summary>
    public string Noun => Letter switch
    {
        'c' => "a car key",
        'h' => "a home key",
        'a' => "an access key",
        _ => "a key",
    };

    /// <summary>The query to hand on to the app, <c>?v=c</c>, or empty.</summary>
    public string Query => Letter == default ? "" : "?v=" + Letter;
}
