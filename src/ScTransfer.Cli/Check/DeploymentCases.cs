using System.Globalization;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace ScTransfer.Cli.Check;

/// <summary>
/// The cases that hold a deployment to what devices, browsers and the platforms' verifiers need beyond the draft. Those
/// that look at every answer of the run also send one request of their own, so each runs alone (<c>--case</c>).
/// </summary>
internal static partial class DeploymentCases
{
    private const string Transport = "Deployment: transport (§4, §8)";
    private const string Headers = "Deployment: answers and pages";
    private const string Files = "Deployment: app association files";
    private const string Errors = "Deployment: errors";

    /// <summary>Six months: the lowest HSTS max-age the usual scanners accept (Mozilla Observatory); the relay sends a year.</summary>
    private const int MinimumHstsSeconds = 15_552_000;

    /// <summary>A certificate closer to its end than this has missed its renewal (App Service renews 45 days ahead).</summary>
    private static readonly TimeSpan RenewalMargin = TimeSpan.FromDays(14);

    /// <summary>Apple's limit on the apple-app-site-association file (developer.apple.com, "Supporting associated domains").</summary>
    private const int AppleFileLimit = 128 * 1024;

    public const int TlsCase = 26;

    /// <summary>Referrer policies that never send a page's full URL to another site.</summary>
    private static readonly HashSet<string> KeepsTheUrl = new(StringComparer.OrdinalIgnoreCase)
    {
        "no-referrer", "same-origin", "origin", "strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin",
    };

    public static IEnumerable<CheckCase> All()
    {
        yield return new(TlsCase, Transport, "https with a certificate that verifies for the host, is not about to expire, over TLS 1.2 or later", "§4 (https), §8 (TLS only)", CaseNeeds.Https, Tls);
        yield return new(27, Transport, "Plain http is redirected to https or not answered", "§8: the relay shall only allow TLS connections", CaseNeeds.Https, PlainHttp);
        yield return new(28, Transport, "The share link's base is the URL checked (or --link-base)", "§6.1.5 (a full URL with the relay's domain), §8 (URLs shown to users)", CaseNeeds.Mailboxes, LinkBase);
        yield return new(29, Headers, "Every answer carries Strict-Transport-Security with max-age of 180 days or more", "§8 (TLS only); RFC 6797", CaseNeeds.None, Hsts);
        yield return new(30, Headers, "Every answer carries X-Content-Type-Options: nosniff", "answers are JSON or HTML built from a stranger's text: never sniffed into script", CaseNeeds.None, NoSniff);
        yield return new(31, Headers, "The share page and the dead-link page run no script, cannot be framed, send no Referer and are not indexed", "TIGRESS: a strict CSP on the preview page; the page's URL is the share", CaseNeeds.Mailboxes, Pages);
        yield return new(32, Headers, "No answer names the server software's version (Server, X-Powered-By, X-AspNet-Version)", "what an attacker would look up; nothing a device needs", CaseNeeds.None, Disclosure);
        yield return new(33, Files, "/.well-known/apple-app-site-association: 200 application/json without a redirect, under 128 KB, naming apps whose components open the share links", "Apple's universal links requirements (applinks); docs/apps.md", CaseNeeds.None, AppleFile);
        yield return new(34, Files, "/.well-known/assetlinks.json: 200 application/json without a redirect, a statement that lets an Android app handle the links", "Digital Asset Links (Android App Links verification); docs/apps.md", CaseNeeds.None, AndroidFile);
        yield return new(35, Errors, "Every 429 and 503 says when to come back (Retry-After)", "RFC 9110 §10.2.3, RFC 6585 §4; devices retry the same request (§5)", CaseNeeds.None, RetryAfter);
        yield return new(36, Errors, "Every error answer is problem details (application/problem+json) with its status", "RFC 9457; the draft defines no error body, docs/conformance.md", CaseNeeds.None, ProblemDetails);
    }

    private static async Task<string?> Tls(CheckContext check, CancellationToken cancellationToken)
    {
        var relay = check.Settings.Relay;
        if (relay.Scheme != Uri.UriSchemeHttps)
        {
            throw new CaseSkippedException("the URL is http: a deployed relay must be https (§4); check its https URL for this case");
        }

        TlsFacts facts;
        try
        {
            facts = await TlsInspection.HandshakeAsync(relay, check.Certificates, check.Settings.RequestTimeout, cancellationToken);
        }
        catch (Exception e) when (e is SocketException or AuthenticationException or IOException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            check.CertificateProblem = "no TLS handshake";
            throw new CaseFailedException($"a TLS handshake with {relay.Authority}", "none: " + Exchange.Shorten(e.Message));
        }

        var summary = $"{Protocol(facts)}; certificate issued by {facts.Issuer}; valid until {facts.NotAfter:yyyy-MM-dd}";
        if (facts.Problem is { } problem)
        {
            check.CertificateProblem = problem;
            throw new CaseFailedException("a certificate that verifies for the host (a device refuses any other)", $"{problem}; {summary}");
        }

        var left = facts.NotAfter - check.Time.GetUtcNow();
        Expect.That(facts.Protocol is SslProtocols.Tls12 or SslProtocols.Tls13, "TLS 1.2 or 1.3", summary);
        Expect.That(left > RenewalMargin, $"a certificate valid for more than {RenewalMargin.TotalDays:0} days (renewal is due before then)",
            $"{summary}: {Math.Max(0, (int)left.TotalDays)} days left");
        return $"{summary} ({(int)left.TotalDays} days left)";
    }

    private static async Task<string?> PlainHttp(CheckContext check, CancellationToken cancellationToken)
    {
        var relay = check.Settings.Relay;
        if (relay.Scheme != Uri.UriSchemeHttps)
        {
            throw new CaseSkippedException("the URL is http: there is no https relay whose plain-http side to try");
        }

        if (!relay.IsDefaultPort)
        {
            throw new CaseSkippedException($"the URL names port {relay.Port}: plain http has no port of its own to try");
        }

        var plain = new UriBuilder(relay) { Scheme = Uri.UriSchemeHttp, Port = -1, Path = relay.AbsolutePath + CheckContext.MailboxPath(check.Unknown()) }.Uri;
        Exchange answer;
        try
        {
            answer = await check.SendAsync(new CheckRequest(HttpMethod.Get, plain.AbsoluteUri), "a plain-http GET", cancellationToken);
        }
        catch (CaseFailedException refused)
        {
            return "plain http is not answered (" + refused.Actual + ")";
        }

        if (answer.Status is >= 300 and < 400)
        {
            var location = answer.Header("Location");
            Expect.That(location?.StartsWith("https://", StringComparison.OrdinalIgnoreCase) == true, "a redirect to https", $"{answer.Status} to {location ?? "nowhere"}");
            return $"plain http is redirected ({answer.Status})";
        }

        Expect.That(answer.Status is 400 or 403 or 421 or 426, "a redirect to https or no answer", $"{answer.Describe()} over plain http");
        return $"plain http is refused ({answer.Status})";
    }

    private static async Task<string?> LinkBase(CheckContext check, CancellationToken cancellationToken)
    {
        var primary = await check.PrimaryAsync(cancellationToken);
        var link = primary.UrlLink.Split('?')[0];
        var expected = check.ExpectedLink(primary.Id);
        Expect.That(link == expected, expected + (check.Settings.LinkBase == check.Settings.Relay ? "" : " (--link-base)"), primary.UrlLink);
        return null;
    }

    private static async Task<string?> Hsts(CheckContext check, CancellationToken cancellationToken)
    {
        await check.PreviewAsync(check.Unknown(), "a GET", cancellationToken);
        var problems = new List<string>();
        foreach (var answer in SameOrigin(check))
        {
            var header = answer.Header("Strict-Transport-Security");
            var age = header is null ? null : MaxAge().Match(header) is { Success: true } m && long.TryParse(m.Groups[1].Value, CultureInfo.InvariantCulture, out var seconds) ? seconds : (long?)null;
            if (age is null or < MinimumHstsSeconds)
            {
                problems.Add($"{answer.Status} to {answer.Target}: {(header is null ? "no Strict-Transport-Security" : "Strict-Transport-Security " + header)}");
            }
        }

        Expect.None(problems, $"Strict-Transport-Security: max-age={MinimumHstsSeconds} or more on every answer");
        return check.Settings.Relay.Scheme == Uri.UriSchemeHttps ? null : "checked over http (browsers honour it only over https)";
    }

    private static async Task<string?> NoSniff(CheckContext check, CancellationToken cancellationToken)
    {
        await check.PreviewAsync(check.Unknown(), "a GET", cancellationToken);
        var problems = SameOrigin(check)
            .Where(a => !string.Equals(a.Header("X-Content-Type-Options"), "nosniff", StringComparison.OrdinalIgnoreCase))
            .Select(a => $"{a.Status} to {a.Target}: {(a.Header("X-Content-Type-Options") is { } v ? "X-Content-Type-Options " + v : "no X-Content-Type-Options")}")
            .ToList();
        Expect.None(problems, "X-Content-Type-Options: nosniff on every answer");
        return null;
    }

    private static async Task<string?> Pages(CheckContext check, CancellationToken cancellationToken)
    {
        var primary = await check.PrimaryAsync(cancellationToken);
        var share = await check.PreviewAsync(primary.Id, "the share page", cancellationToken, browser: true);
        var gone = await check.PreviewAsync(check.Unknown(), "the page of a share that is gone", cancellationToken, browser: true);
        Expect.That(share.MediaType == "text/html", "the share page as text/html (§6.4)", share.Describe());
        var problems = new List<string>();
        PageProblems("the share page", share, problems);
        var note = (string?)null;
        if (gone.MediaType == "text/html")
        {
            PageProblems("the dead-link page", gone, problems);
        }
        else
        {
            note = $"a browser asking for a share that is gone gets {gone.Describe()}, not a page";
        }

        Expect.None(problems, "Content-Security-Policy without script and framing, Referrer-Policy that keeps the page's URL, and noindex on each page");
        return note;
    }

    private static void PageProblems(string page, Exchange answer, List<string> problems)
    {
        var policy = ContentSecurityPolicy.Parse(answer.Header("Content-Security-Policy"));
        if (policy.Count == 0)
        {
            problems.Add($"{page}: no Content-Security-Policy");
        }
        else if ((policy.GetValueOrDefault("script-src") ?? policy.GetValueOrDefault("default-src")) is not { } scripts)
        {
            problems.Add($"{page}: Content-Security-Policy without script-src or default-src (any script may run)");
        }
        else if (scripts.FirstOrDefault(s => s is "'unsafe-inline'" or "'unsafe-eval'" or "*" or "data:" or "http:" or "https:" or "blob:") is { } unsafeSource)
        {
            problems.Add($"{page}: the policy lets script run from {unsafeSource}");
        }

        var framing = policy.GetValueOrDefault("frame-ancestors");
        var frameOptions = answer.Header("X-Frame-Options")?.Trim().ToUpperInvariant();
        if (!(framing is ["'none'"] or ["'self'"]) && frameOptions is not ("DENY" or "SAMEORIGIN"))
        {
            problems.Add($"{page}: may be framed (no frame-ancestors 'none' nor X-Frame-Options DENY)");
        }

        // The last policy a browser knows wins (several may be listed for older browsers).
        var referrer = answer.Header("Referrer-Policy")?.Split(',').Select(p => p.Trim()).LastOrDefault(p => p.Length > 0);
        if (referrer is null || !KeepsTheUrl.Contains(referrer))
        {
            problems.Add($"{page}: {(referrer is null ? "no Referrer-Policy" : "Referrer-Policy " + referrer)} (the page's URL, the share itself, may go to the image's host)");
        }

        var robots = (answer.Header("X-Robots-Tag") ?? "") + " " + string.Join(' ', RobotsMeta().Matches(answer.Body).Select(m => m.Value));
        if (!robots.Contains("noindex", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{page}: no noindex (X-Robots-Tag or meta robots)");
        }
    }

    private static async Task<string?> Disclosure(CheckContext check, CancellationToken cancellationToken)
    {
        await check.PreviewAsync(check.Unknown(), "a GET", cancellationToken);
        var problems = new SortedSet<string>(StringComparer.Ordinal);
        var servers = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var answer in SameOrigin(check))
        {
            foreach (var name in new[] { "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-SourceFiles" })
            {
                if (answer.Header(name) is { } value)
                {
                    problems.Add($"{name}: {value}");
                }
            }

            if (answer.Header("Server") is { } server)
            {
                (server.Any(char.IsAsciiDigit) ? problems : servers).Add("Server: " + server);
            }
        }

        Expect.None(problems, "no header naming the server software's version");
        return servers.Count == 0 ? null : string.Join(", ", servers) + " (a product without a version)";
    }

    private static async Task<string?> AppleFile(CheckContext check, CancellationToken cancellationToken)
    {
        var file = await AssociationFileAsync(check, ".well-known/apple-app-site-association", "AppLinks__AppleAppIds", "iOS", cancellationToken);
        Expect.That(file.Body.Length <= AppleFileLimit, $"at most {AppleFileLimit / 1024} KB", $"{file.Body.Length} bytes");
        var sharePath = check.Settings.LinkBase.AbsolutePath.TrimEnd('/') + "/" + CheckContext.MailboxPath(check.Unknown());
        if (file.Json() is not { ValueKind: JsonValueKind.Object } json
            || !json.TryGetProperty("applinks", out var applinks) || applinks.ValueKind != JsonValueKind.Object
            || !applinks.TryGetProperty("details", out var details) || details.ValueKind != JsonValueKind.Array)
        {
            throw new CaseFailedException("a JSON object with applinks.details (Apple's format)", file.Describe());
        }

        var apps = new List<string>();
        var problems = new List<string>();
        foreach (var entry in details.EnumerateArray())
        {
            var ids = AppIds(entry);
            apps.AddRange(ids);
            problems.AddRange(ids.Where(id => !AppleAppId().IsMatch(id)).Select(id => $"app ID \"{Exchange.Shorten(id, 60)}\" is not TEAMID.bundle.id"));
            if (ids.Count == 0)
            {
                problems.Add("a details entry without appIDs");
            }
            else if (!AppleComponents.Opens(entry, sharePath))
            {
                problems.Add($"the components of {string.Join(", ", ids)} do not open a share link's path, {sharePath}");
            }
        }

        Expect.That(apps.Count > 0, "at least one app in applinks.details", "none");
        Expect.None(problems, "apps named as TEAMID.bundle.id whose components open the share links");
        return string.Join(", ", apps);
    }

    private static async Task<string?> AndroidFile(CheckContext check, CancellationToken cancellationToken)
    {
        var file = await AssociationFileAsync(check, ".well-known/assetlinks.json", "AppLinks__AndroidPackageName", "Android", cancellationToken);
        if (file.Json() is not { ValueKind: JsonValueKind.Array } statements)
        {
            throw new CaseFailedException("a JSON array of statements (Digital Asset Links)", file.Describe());
        }

        var packages = new List<string>();
        var problems = new List<string>();
        foreach (var statement in statements.EnumerateArray())
        {
            if (statement.ValueKind != JsonValueKind.Object
                || !statement.TryGetProperty("relation", out var relation) || relation.ValueKind != JsonValueKind.Array
                || !relation.EnumerateArray().Any(r => r.ValueKind == JsonValueKind.String && r.GetString() == "delegate_permission/common.handle_all_urls")
                || !statement.TryGetProperty("target", out var target) || target.ValueKind != JsonValueKind.Object
                || !target.TryGetProperty("namespace", out var ns) || ns.GetString() != "android_app")
            {
                continue;
            }

            var package = target.TryGetProperty("package_name", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "";
            var fingerprints = target.TryGetProperty("sha256_cert_fingerprints", out var f) && f.ValueKind == JsonValueKind.Array
                ? f.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : "").ToList()
                : [];
            if (package.Length == 0)
            {
                problems.Add("an android_app target without package_name");
            }

            if (fingerprints.Count == 0 || fingerprints.Any(x => !Fingerprint().IsMatch(x)))
            {
                problems.Add($"{package}: sha256_cert_fingerprints must be SHA-256 fingerprints (32 hex pairs joined by colons)");
            }

            packages.Add(package);
        }

        Expect.That(packages.Count > 0, "a statement with relation delegate_permission/common.handle_all_urls for an android_app target", "none");
        Expect.None(problems, "well-formed android_app targets");
        return string.Join(", ", packages);
    }

    /// <summary>
    /// An association file as the platforms' verifiers fetch it: 200, no redirect (neither Apple's CDN nor Android's
    /// verifier follows one), application/json. 404 is a relay that names no app: the case is skipped, saying so.
    /// </summary>
    private static async Task<Exchange> AssociationFileAsync(CheckContext check, string path, string setting, string platform, CancellationToken cancellationToken)
    {
        var answer = await check.SendAsync(new CheckRequest(HttpMethod.Get, path), "GET /" + path, cancellationToken);
        if (answer.Status == 404)
        {
            throw new CaseSkippedException($"/{path} answers 404: this relay names no {platform} app for its links (on this project's relay: {setting} is not set)");
        }

        if (answer.Status is >= 300 and < 400)
        {
            throw new CaseFailedException("200 without a redirect (the platforms' verifiers do not follow redirects)",
                $"{answer.Status} to {answer.Header("Location") ?? "nowhere"}");
        }

        Expect.Status(answer, 200, "GET /" + path);
        Expect.That(answer.MediaType == "application/json", "Content-Type: application/json", answer.Header("Content-Type") ?? "no Content-Type");
        return answer;
    }

    private static async Task<string?> RetryAfter(CheckContext check, CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        var throttled = SameOrigin(check).Where(a => a.Status is 429 or 503).ToList();
        if (throttled.Count == 0)
        {
            throw new CaseSkippedException("no 429 or 503 came back: sct check stays under the rate limits and cannot provoke one politely");
        }

        var problems = throttled
            .Where(a => a.Header("Retry-After") is not { } value
                || !(int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _) || DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out _)))
            .Select(a => $"{a.Status} to {a.Target}: {(a.Header("Retry-After") is { } v ? "Retry-After " + v : "no Retry-After")}")
            .ToList();
        Expect.None(problems, "Retry-After (seconds or a date) on each");
        return $"{throttled.Count} answers of 429 or 503 seen";
    }

    private static async Task<string?> ProblemDetails(CheckContext check, CancellationToken cancellationToken)
    {
        await check.PreviewAsync(check.Unknown(), "a GET", cancellationToken);
        var problems = new List<string>();
        foreach (var answer in SameOrigin(check).Where(a => a.IsError && !a.Browser && a.Method != "HEAD"))
        {
            if (answer.MediaType != "application/problem+json")
            {
                problems.Add($"{answer.Status} to {answer.Target}: {answer.MediaType ?? "no Content-Type"}");
            }
            else if (answer.Json() is not { ValueKind: JsonValueKind.Object } json)
            {
                problems.Add($"{answer.Status} to {answer.Target}: a body that is not a JSON object");
            }
            else if (json.TryGetProperty("status", out var status) && !(status.ValueKind == JsonValueKind.Number && status.GetInt32() == answer.Status))
            {
                problems.Add($"{answer.Status} to {answer.Target}: \"status\" {status}");
            }
        }

        Expect.None(problems, "application/problem+json with the answer's status on every error");
        return null;
    }

    /// <summary>Every answer from the relay checked (the plain-http probe of case 27 is another origin).</summary>
    private static IEnumerable<Exchange> SameOrigin(CheckContext check) =>
        check.Exchanges.Where(a => a.Url.Scheme == check.Settings.Relay.Scheme && a.Url.Authority == check.Settings.Relay.Authority);

    private static List<string> AppIds(JsonElement entry) =>
        entry.ValueKind != JsonValueKind.Object ? []
        : entry.TryGetProperty("appIDs", out var ids) && ids.ValueKind == JsonValueKind.Array ? [.. ids.EnumerateArray().Select(i => i.ValueKind == JsonValueKind.String ? i.GetString()! : "")]
        : entry.TryGetProperty("appID", out var id) && id.ValueKind == JsonValueKind.String ? [id.GetString()!]
        : [];

    private static string Protocol(TlsFacts facts) => facts.Protocol switch
    {
        SslProtocols.Tls13 => "TLS 1.3",
        SslProtocols.Tls12 => "TLS 1.2",
        var other => other.ToString(),
    };

    [GeneratedRegex("max-age\\s*=\\s*\"?(\\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex MaxAge();

    [GeneratedRegex("<meta\\s[^>]*name=\"robots\"[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex RobotsMeta();

    [GeneratedRegex("^[A-Z0-9]{10}\\.[A-Za-z0-9.-]+$")]
    private static partial Regex AppleAppId();

    [GeneratedRegex("^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$")]
    private static partial Regex Fingerprint();
}

/// <summary>A Content-Security-Policy's directives and their sources (the first policy's, lower-cased names).</summary>
internal static class ContentSecurityPolicy
{
    public static Dictionary<string, string[]> Parse(string? header)
    {
        var directives = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase);
        foreach (var directive in (header ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = directive.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            directives.TryAdd(parts[0], parts[1..]);
        }

        return directives;
    }
}

/// <summary>
/// Whether an apple-app-site-association details entry opens a path, as Apple documents the matching
/// (developer.apple.com/documentation/bundleresources/applinks): the first component whose <c>/</c> pattern matches
/// decides (<c>exclude</c> keeps the link in the browser); the older <c>paths</c> list likewise, with <c>NOT </c>.
/// In a pattern <c>*</c> matches any run of characters and <c>?</c> one.
/// </summary>
internal static class AppleComponents
{
    public static bool Opens(JsonElement entry, string path)
    {
        if (entry.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Array)
        {
            foreach (var component in components.EnumerateArray())
            {
                var pattern = component.ValueKind == JsonValueKind.Object && component.TryGetProperty("/", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : "*";
                if (Matches(pattern, path))
                {
                    return !(component.TryGetProperty("exclude", out var exclude) && exclude.ValueKind == JsonValueKind.True);
                }
            }

            return false;
        }

        if (entry.TryGetProperty("paths", out var paths) && paths.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in paths.EnumerateArray().Select(i => i.GetString() ?? ""))
            {
                var excluded = item.StartsWith("NOT ", StringComparison.Ordinal);
                if (Matches(excluded ? item[4..] : item, path))
                {
                    return !excluded;
                }
            }
        }

        return false;
    }

    private static bool Matches(string pattern, string path) =>
        Regex.IsMatch(path, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$",
            RegexOptions.None, TimeSpan.FromSeconds(1));
}
