using ScTransfer.Client;

namespace ScTransfer.Cli;

/// <summary>One <c>sct</c> sub-command: its help text, its options, and what it does.</summary>
internal abstract class Command
{
    public const string DefaultRelay = "http://127.0.0.1:7071";
    public const string RelayVariable = "SCT_RELAY";

    public abstract string Name { get; }

    public abstract string Summary { get; }

    /// <summary>The full <c>--help</c> text.</summary>
    public abstract string Help { get; }

    public virtual IReadOnlyCollection<string> ValueOptions => ["--relay"];

    public virtual IReadOnlyCollection<string> Flags => ["--allow-http"];

    public abstract Task<int> RunAsync(Arguments args, SctConsole console, CancellationToken cancellationToken);

    /// <summary>The relay for a device that starts a share: --relay, else $SCT_RELAY, else the local default.</summary>
    protected static string ConfiguredRelay(Arguments args, SctConsole console) =>
        args["--relay"] ?? NonEmpty(console.Environment(RelayVariable)) ?? DefaultRelay;

    /// <summary>
    /// A client for one relay. Plain http is accepted for loopback relays (local development) and, with
    /// --allow-http, elsewhere; the draft requires https (§4).
    /// </summary>
    protected static MailboxClient Connect(HttpClient http, string relay, Arguments args)
    {
        if (!Uri.TryCreate(relay, UriKind.Absolute, out var address) || address.Scheme is not ("https" or "http"))
        {
            throw new UsageException($"The relay address '{relay}' is not an http(s) URL.");
        }

        http.BaseAddress = address;
        var options = new MailboxClientOptions { AllowInsecureHttp = args.Has("--allow-http") };
        try
        {
            return new MailboxClient(http, Microsoft.Extensions.Options.Options.Create(options));
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message.Split(" (Parameter")[0] + " Pass --allow-http for a test relay.");
        }
    }

    protected static HttpClient NewHttpClient() => new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>
    /// Display information is whatever the sender typed, relayed as is: drop control characters so it cannot steer
    /// the terminal (escape sequences) when printed.
    /// </summary>
    protected static string Printable(string? text) => text is null ? "" : string.Concat(text.Where(c => !char.IsControl(c)));

    protected static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>Human-friendly byte counts for progress lines.</summary>
    protected static string Size(long bytes) => bytes < 1024 ? $"{bytes} bytes" : $"{bytes / 1024.0:0.#} KiB";

    /// <summary>Inputs from this size on get progress lines on standard error.</summary>
    protected const int ProgressThreshold = 32 * 1024;
}
