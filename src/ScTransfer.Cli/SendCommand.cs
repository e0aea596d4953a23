using System.Globalization;
using ScTransfer.Client;

namespace ScTransfer.Cli;

/// <summary><c>sct send</c>: the sender's part of a stateless transfer (draft §3, §3.1).</summary>
internal sealed class SendCommand : Command
{
    /// <summary>Far above any relay's limit (128 KiB by default): stop reading rather than fill memory.</summary>
    private const int MaxInputBytes = 16 * 1024 * 1024;

    public override string Name => "send";

    public override string Summary => "encrypt a file and print a share link with the secret in its fragment";

    public override IReadOnlyCollection<string> ValueOptions => ["--relay", "--title", "--description", "--image", "--ttl"];

    public override IReadOnlyCollection<string> Flags => ["--allow-http", "--aes128"];

    public override string Help => $"""
        Usage: sct send [options] FILE|-

        Encrypts FILE (or standard input for -) on this machine with a fresh AES-256-GCM key, stores it in a new
        mailbox on the relay and prints the share link, https://relay/v1/m/<mailbox>#<secret>, as the last line of
        standard output. The secret after '#' never leaves this machine except in that link: send the link only to
        the receiver, ideally over a channel where you know who reads it. Whoever opens it first takes the content.

        Options:
          --relay URL          the relay (default ${RelayVariable}, else {DefaultRelay})
          --title T            title shown in link previews (public, unencrypted)
          --description D      description shown in link previews (public, unencrypted)
          --image URL          https image shown in link previews
          --ttl SECONDS        mailbox lifetime (default {(int)MailboxConfiguration.DefaultTimeToLive.TotalSeconds})
          --aes128             use a 128-bit key (payload type AES128) instead of 256-bit
          --allow-http         allow a plain-http relay that is not on this machine (testing only)

        A relay accepts up to 128 KiB of encrypted payload by default.
        """;

    public override async Task<int> RunAsync(Arguments args, SctConsole console, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1)
        {
            throw new UsageException("Give one FILE to send, or - for standard input.");
        }

        var ttl = MailboxConfiguration.DefaultTimeToLive;
        if (args["--ttl"] is { } ttlText)
        {
            ttl = int.TryParse(ttlText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
                ? TimeSpan.FromSeconds(seconds)
                : throw new UsageException("--ttl takes a whole number of seconds, e.g. 3600.");
        }

        Uri? image = null;
        if (args["--image"] is { } imageText && (!Uri.TryCreate(imageText, UriKind.Absolute, out image) || image.Scheme != Uri.UriSchemeHttps))
        {
            throw new UsageException("--image takes an absolute https:// URL.");
        }

        using var http = NewHttpClient();
        var relay = Connect(http, ConfiguredRelay(args, console), args);
        var content = await ReadInputAsync(args.Positionals[0], console, cancellationToken);
        var large = content.Length >= ProgressThreshold;
        if (large)
        {
            await console.Error.WriteLineAsync($"sct: read {Size(content.Length)}; encrypting and uploading to {relay.RelayBaseAddress.Host}…");
        }

        var options = new ShareOptions
        {
            DisplayInformation = new DisplayInformation(args["--title"], args["--description"], image),
            Configuration = new MailboxConfiguration(ttl),
            KeySize = args.Has("--aes128") ? KeySize.Aes128 : KeySize.Aes256,
        };
        var share = await ShareSession.CreateAsync(relay, content, options, cancellationToken);
        if (large)
        {
            await console.Error.WriteLineAsync("sct: uploaded.");
        }

        await console.Error.WriteLineAsync($"sct: share created; it expires in {Lifetime(ttl)}. Send the whole link to the receiver; it opens once.");
        await console.WriteLineAsync(share.Link!.Reveal(), cancellationToken);
        return Sct.Success;
    }

    private static string Lifetime(TimeSpan ttl) =>
        ttl.TotalSeconds % 3600 == 0 ? $"{ttl.TotalHours:0} h" : ttl.TotalSeconds % 60 == 0 ? $"{ttl.TotalMinutes:0} min" : $"{ttl.TotalSeconds:0} s";

    private static async Task<byte[]> ReadInputAsync(string path, SctConsole console, CancellationToken cancellationToken)
    {
        await using var input = path == "-" ? null : File.OpenRead(path);
        var source = input ?? console.Input;
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await source.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxInputBytes)
            {
                throw new UsageException($"The input is larger than {Size(MaxInputBytes)}; a relay holds small credentials (128 KiB by default), not files of this size.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
