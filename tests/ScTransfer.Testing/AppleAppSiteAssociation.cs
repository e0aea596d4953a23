using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ScTransfer.Testing;

/// <summary>
/// Which URLs an <c>apple-app-site-association</c> file lets an app open as universal links, decided the way Apple
/// documents it (developer.apple.com/documentation/bundleresources/applinks: <c>applinks.details[].components</c>), so
/// a test can ask the relay's own file whether a share link opens the app and whether anything else does.
/// </summary>
/// <remarks>
/// Per details entry naming the app, its components are tried in order and the first that matches decides: an
/// <c>exclude</c> component keeps the URL in the browser, any other opens the app; none matching keeps it in the
/// browser. A component matches when each of its keys matches: <c>/</c> the URL's path, <c>?</c> its query (a
/// pattern, or a dictionary whose every named item must be present and match), <c>#</c> its fragment; an absent key
/// is <c>*</c>. In a pattern <c>*</c> matches zero or more characters (slashes included), <c>?</c> exactly one, anything
/// else itself; matching is case-sensitive unless <c>caseSensitive</c> is false, and against the percent-encoded URL
/// (<c>percentEncoded</c> true, the default). <c>defaults</c> are honoured; substitution variables (<c>$(…)</c>) are not
/// implemented and fail the check loudly.
/// </remarks>
public sealed class AppleAppSiteAssociation
{
    private readonly JsonElement _root;

    private AppleAppSiteAssociation(JsonElement root) => _root = root;

    public static AppleAppSiteAssociation Parse(string json) => new(JsonDocument.Parse(json).RootElement.Clone());

    /// <summary>Whether <paramref name="appId"/> opens <paramref name="url"/> (an absolute URL on the file's domain).</summary>
    public bool Opens(string appId, Uri url)
    {
        foreach (var details in _root.GetProperty("applinks").GetProperty("details").EnumerateArray())
        {
            if (!AppIds(details).Contains(appId))
            {
                continue;
            }

            var defaults = details.TryGetProperty("defaults", out var d) ? d : default;
            foreach (var component in details.GetProperty("components").EnumerateArray())
            {
                if (Matches(component, defaults, url))
                {
                    return !(component.TryGetProperty("exclude", out var exclude) && exclude.GetBoolean());
                }
            }
        }

        return false;
    }

    private static IEnumerable<string> AppIds(JsonElement details) =>
        details.TryGetProperty("appIDs", out var ids) ? ids.EnumerateArray().Select(i => i.GetString()!)
        : details.TryGetProperty("appID", out var id) ? [id.GetString()!]
        : [];

    private static bool Matches(JsonElement component, JsonElement defaults, Uri url)
    {
        var caseSensitive = Flag(component, defaults, "caseSensitive");
        var percentEncoded = Flag(component, defaults, "percentEncoded");
        string Part(string encoded) => percentEncoded ? encoded : Uri.UnescapeDataString(encoded);

        if (component.TryGetProperty("/", out var path) && !Wildcard(path.GetString()!, Part(url.AbsolutePath), caseSensitive))
        {
            return false;
        }

        if (component.TryGetProperty("#", out var fragment) && !Wildcard(fragment.GetString()!, Part(url.Fragment.TrimStart('#')), caseSensitive))
        {
            return false;
        }

        if (!component.TryGetProperty("?", out var query))
        {
            return true;
        }

        var queryText = url.Query.TrimStart('?');
        if (query.ValueKind == JsonValueKind.String)
        {
            return Wildcard(query.GetString()!, Part(queryText), caseSensitive);
        }

        var items = queryText.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(item => item.Split('=', 2))
            .ToLookup(pair => Part(pair[0]), pair => pair.Length > 1 ? Part(pair[1]) : "");
        return query.EnumerateObject().All(item => items[item.Name].Any(value => Wildcard(item.Value.GetString()!, value, caseSensitive)));
    }

    private static bool Flag(JsonElement component, JsonElement defaults, string name) =>
        component.TryGetProperty(name, out var own) ? own.GetBoolean()
        : defaults.ValueKind == JsonValueKind.Object && defaults.TryGetProperty(name, out var shared) ? shared.GetBoolean()
        : true;

    private static bool Wildcard(string pattern, string value, bool caseSensitive)
    {
        if (pattern.Contains("$(", StringComparison.Ordinal))
        {
            throw new NotSupportedException($"Substitution variables are not implemented by this check: {pattern}");
        }

        var regex = new StringBuilder("^");
        foreach (var c in pattern)
        {
            regex.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                _ => Regex.Escape(c.ToString()),
            });
        }

        regex.Append('$');
        return Regex.IsMatch(value, regex.ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant | (caseSensitive ? RegexOptions.None : RegexOptions.IgnoreCase));
    }
}
