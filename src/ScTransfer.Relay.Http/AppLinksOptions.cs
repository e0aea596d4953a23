using System.Globalization;
using System.Text.RegularExpressions;
using ScTransfer.Relay.Configuration;

namespace ScTransfer.Relay.Http;

/// <summary>
/// The wallet app(s) that open this relay's share links (configuration section <c>AppLinks</c>, env <c>AppLinks__*</c>):
/// what the relay's domain says about them in its association files (iOS universal links, Android App Links) and what
/// the share page offers a person (docs/apps.md). Everything empty: no association file, a page without an app action.
/// </summary>
public sealed partial class AppLinksOptions
{
    public const string SectionName = "AppLinks";

    /// <summary>Comma-separated application identifiers, <c>TEAMID.bundle.id</c> (several apps allowed).</summary>
    public string AppleAppIds { get; set; } = "";

    /// <summary>The Android app's package name (application id), e.g. <c>com.example.wallet</c>.</summary>
    public string AndroidPackageName { get; set; } = "";

    /// <summary>Comma-separated SHA-256 fingerprints of the Android app's signing certificates, <c>AA:BB:…</c> (32 bytes each).</summary>
    public string AndroidCertificateFingerprints { get; set; } = "";

    /// <summary>The app's name as a person knows it: the share page's "Open in …".</summary>
    public string AppName { get; set; } = "";

    /// <summary>The app's App Store page (https); an <c>apps.apple.com/…/id&lt;digits&gt;</c> page also gives Safari's Smart App Banner its app id.</summary>
    public string AppStoreUrl { get; set; } = "";

    /// <summary>The app's Google Play page (https); also where Chrome on Android goes when the app is not installed.</summary>
    public string PlayStoreUrl { get; set; } = "";

    /// <summary>The application identifiers, trimmed; empty when none is set.</summary>
    public IReadOnlyList<string> AppleAppIdList() => Split(AppleAppIds);

    /// <summary>The fingerprints, trimmed and upper-cased as Android's verifier compares them; empty when none is set.</summary>
    public IReadOnlyList<string> AndroidFingerprintList() => [.. Split(AndroidCertificateFingerprints).Select(f => f.ToUpperInvariant())];

    /// <summary>The numeric App Store id in <see cref="AppStoreUrl"/> (<c>https://apps.apple.com/…/id123456789</c>), or null.</summary>
    public string? AppStoreId() =>
        Uri.TryCreate(AppStoreUrl.Trim(), UriKind.Absolute, out var uri) && uri.Host.Equals("apps.apple.com", StringComparison.OrdinalIgnoreCase)
        && AppStoreIdPattern().Match(uri.AbsolutePath) is { Success: true } match
            ? match.Groups[1].Value
            : null;

    private static string[] Split(string value) =>
        value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    // Apple: a 10-character Team ID (the App ID prefix), a dot, then the bundle id (letters, digits, hyphens, dots).
    [GeneratedRegex("^[A-Z0-9]{10}\\.[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)*$", RegexOptions.CultureInvariant)]
    internal static partial Regex AppleAppIdPattern();

    // Android: at least two segments, each a letter followed by letters, digits or underscores.
    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+$", RegexOptions.CultureInvariant)]
    internal static partial Regex AndroidPackagePattern();

    // SHA-256: 32 bytes, two hexadecimal digits each, separated by colons.
    [GeneratedRegex("^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}$", RegexOptions.CultureInvariant)]
    internal static partial Regex FingerprintPattern();

    [GeneratedRegex("/id([0-9]+)(/|$)", RegexOptions.CultureInvariant)]
    private static partial Regex AppStoreIdPattern();
}

/// <summary>
/// Refuses malformed <see cref="AppLinksOptions"/> at start-up (both hosts), each message naming its setting, rather
/// than serve an association file that Apple or Google would reject without saying why.
/// </summary>
internal sealed class AppLinksValidation() : SettingsValidator<AppLinksOptions>(AppLinksOptions.SectionName)
{
    /// <summary>Longest app name: it is a button label on a phone.</summary>
    public const int MaxAppNameLength = 40;

    protected override void Check(AppLinksOptions options, SettingErrors errors)
    {
        foreach (var appId in options.AppleAppIdList().Where(id => !AppLinksOptions.AppleAppIdPattern().IsMatch(id)))
        {
            errors.Add($"AppLinks__AppleAppIds: '{appId}' is not an application identifier; give TEAMID.bundle.id (a 10-character Team ID, a dot, the bundle id), several separated by commas.");
        }

        var package = options.AndroidPackageName.Trim();
        if (package.Length > 0 && !AppLinksOptions.AndroidPackagePattern().IsMatch(package))
        {
            errors.Add($"AppLinks__AndroidPackageName: '{package}' is not an Android package name (e.g. com.example.wallet).");
        }

        foreach (var fingerprint in options.AndroidFingerprintList().Where(f => !AppLinksOptions.FingerprintPattern().IsMatch(f)))
        {
            errors.Add($"AppLinks__AndroidCertificateFingerprints: '{fingerprint}' is not a SHA-256 certificate fingerprint; give 32 bytes as hexadecimal pairs separated by colons (AA:BB:…), several separated by commas.");
        }

        if (package.Length > 0 != options.AndroidFingerprintList().Count > 0)
        {
            errors.Add("AppLinks__AndroidPackageName and AppLinks__AndroidCertificateFingerprints go together: Android verifies an App Link by the package and its signing certificate.");
        }

        var appName = options.AppName.Trim();
        if ((options.AppleAppIdList().Count > 0 || package.Length > 0) && appName.Length == 0)
        {
            errors.Add("AppLinks__AppName is required with AppLinks__AppleAppIds or AppLinks__AndroidPackageName: the share page says \"Open in <AppName>\".");
        }

        if (appName.Length > MaxAppNameLength || appName.Any(c => char.IsControl(c) || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format))
        {
            errors.Add($"AppLinks__AppName must be at most {MaxAppNameLength} characters of visible text.");
        }

        CheckStoreUrl(options.AppStoreUrl, "AppLinks__AppStoreUrl", "https://apps.apple.com/app/id123456789", errors);
        CheckStoreUrl(options.PlayStoreUrl, "AppLinks__PlayStoreUrl", "https://play.google.com/store/apps/details?id=com.example.wallet", errors);
    }

    private static void CheckStoreUrl(string value, string setting, string example, SettingErrors errors)
    {
        var url = value.Trim();
        if (url.Length > 0 && (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps
            || uri.UserInfo.Length > 0 || uri.Fragment.Length > 0))
        {
            errors.Add($"{setting} must be an absolute https URL without a fragment, e.g. {example}.");
        }
    }
}
