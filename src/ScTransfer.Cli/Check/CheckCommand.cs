using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;

namespace ScTransfer.Cli.Check;

/// <summary>
/// <c>sct check</c>: holds any live relay, this project's or another implementation of the draft, to the draft and to a
/// safe deployment, in numbered cases (docs/cli.md lists each and why). It speaks only HTTP, as a device does.
/// </summary>
internal sealed class CheckCommand : Command
{
    public override string Name => "check";

    public override string Summary => "check a live relay against the draft and a safe deployment, case by case";

    public override IReadOnlyCollection<string> ValueOptions =>
        ["--relay", "--junit", "--case", "--link-base", "--expiry-ttl", "--max-requests", "--timeout", "--wait", "--ca-certificate"];

    public override IReadOnlyCollection<string> Flags => ["--allow-http", "--json", "--skip-slow", "--skip-state-changes", "--insecure"];

    public override string Help => $"""
        Usage: sct check [options] [RELAY-URL]

        Checks the relay at RELAY-URL (default --relay, ${RelayVariable}, else {DefaultRelay}) against
        draft-secure-credential-transfer-00 and the later revisions' spellings, and against what a safe deployment
        needs (TLS, headers, association files, error answers): {CheckRun.Catalog().Count} numbered cases, each citing the
        draft section or the reason, each pass, fail or skip; a failure says what was expected and what came back.
        It makes short-lived mailboxes (5 minutes) and deletes every one at the end, even after a failure or ^C.
        It is polite to a production relay: one request at a time, at most --max-requests, paced under half of the
        relay's default per-client rate limits, and a 429 or 503 waited out. Exit code 0 only when nothing failed.

        Options:
          --json               print the report as JSON instead of text
          --junit FILE         also write the report as JUnit XML to FILE
          --skip-slow          skip the expiry case (it waits --expiry-ttl seconds plus 2)
          --skip-state-changes skip the cases that write to mailboxes after making them, retry creates, or upload 1 MiB
          --case N[,N...]      run only these cases (e.g. --case 1,20,29)
          --link-base URL      the base share links must start with, when it is not RELAY-URL (a relay reached
                               at another address than its public one)
          --expiry-ttl SECONDS lifetime of the expiry case's mailbox (default 60)
          --max-requests N     at most N requests besides the clean-up's deletes (default 300)
          --timeout SECONDS    per request (default 30)
          --wait SECONDS       wait up to this long for a relay that does not answer yet (a deployment starting)
          --ca-certificate FILE  also trust this root (PEM or DER), for a relay with a private CA
          --insecure           go on past a certificate that does not verify (its case still fails)
          --allow-http         allow a plain-http relay that is not on this machine (testing only)
        """;

    public override async Task<int> RunAsync(Arguments args, SctConsole console, CancellationToken cancellationToken)
    {
        var settings = Parse(args, console);
        var selected = CheckRun.Catalog().Count(c => settings.Only?.Contains(c.Number) ?? true);
        await console.Error.WriteLineAsync($"sct check: checking {settings.Relay} ({selected} cases"
            + (settings.SkipSlow || (settings.Only is { } only && !only.Contains(25)) ? "" : $"; the expiry case waits {settings.ExpiryTimeToLive.TotalSeconds + 2:0} s") + ")…");

        var report = await CheckRun.RunAsync(settings, TimeProvider.System, cancellationToken);
        if (args["--junit"] is { } junit)
        {
            await using var file = File.Create(junit);
            await using var xml = XmlWriter.Create(file, new XmlWriterSettings { Async = true, Indent = true, Encoding = new UTF8Encoding(false) });
            await report.ToJUnit().SaveAsync(xml, CancellationToken.None);
        }

        if (args.Has("--json"))
        {
            await console.WriteLineAsync(report.ToJson(), CancellationToken.None);
        }
        else
        {
            using var text = new StringWriter(CultureInfo.InvariantCulture);
            report.WriteText(text);
            await console.Output.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), CancellationToken.None);
            await console.Output.FlushAsync(CancellationToken.None);
        }

        return report.Interrupted ? Sct.Interrupted : report.Succeeded ? Sct.Success : Sct.Failure;
    }

    private static CheckSettings Parse(Arguments args, SctConsole console)
    {
        if (args.Positionals.Count > 1)
        {
            throw new UsageException("Give one relay URL.");
        }

        var relay = Address(args.Positionals.Count == 1 ? args.Positionals[0] : ConfiguredRelay(args, console), "The relay address", args);
        var linkBase = args["--link-base"] is { } text ? Address(text, "--link-base", args, any: true) : relay;
        return new CheckSettings
        {
            Relay = relay,
            LinkBase = linkBase,
            SkipSlow = args.Has("--skip-slow"),
            SkipStateChanges = args.Has("--skip-state-changes"),
            Only = args["--case"] is { } cases ? Cases(cases) : null,
            ExpiryTimeToLive = TimeSpan.FromSeconds(Number(args, "--expiry-ttl", 60, 1, 7 * 24 * 3600)),
            MaxRequests = Number(args, "--max-requests", 300, 10, 10_000),
            RequestTimeout = TimeSpan.FromSeconds(Number(args, "--timeout", 30, 1, 600)),
            WaitForRelay = TimeSpan.FromSeconds(Number(args, "--wait", 0, 0, 3600)),
            TrustedRoots = args["--ca-certificate"] is { } path ? [Certificate(path)] : [],
            Insecure = args.Has("--insecure"),
        };
    }

    /// <summary>An http(s) URL without query or fragment, with a trailing slash; plain http off this machine needs --allow-http.</summary>
    private static Uri Address(string text, string what, Arguments args, bool any = false)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var address) || address.Scheme is not ("https" or "http")
            || address.Query.Length > 0 || address.Fragment.Length > 0)
        {
            throw new UsageException($"{what} '{text}' is not an http(s) URL without query or fragment.");
        }

        if (!any && address.Scheme == "http" && !address.IsLoopback && !args.Has("--allow-http"))
        {
            throw new UsageException($"The relay {address.Host} is plain http; the draft requires https (§4). Pass --allow-http for a test relay.");
        }

        return address.AbsoluteUri.EndsWith('/') ? address : new Uri(address.AbsoluteUri + "/");
    }

    private static HashSet<int> Cases(string text)
    {
        var known = CheckRun.Catalog().Select(c => c.Number).ToHashSet();
        var numbers = new HashSet<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || !known.Contains(number))
            {
                throw new UsageException($"--case takes case numbers from 1 to {known.Max()}, separated by commas.");
            }

            numbers.Add(number);
        }

        return numbers;
    }

    private static int Number(Arguments args, string option, int fallback, int min, int max) =>
        args[option] is not { } text ? fallback
        : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max ? value
        : throw new UsageException($"{option} takes a whole number from {min} to {max}.");

    private static X509Certificate2 Certificate(string path)
    {
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(path);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--ca-certificate: {path} is not a readable PEM or DER certificate ({e.Message.ReplaceLineEndings(" ")}).");
        }
    }
}
