using ScTransfer.Client;

namespace ScTransfer.Cli;

/// <summary><c>sct receive</c>: the receiver's part of a stateless transfer (draft §3, §3.1, §8.3).</summary>
internal sealed class ReceiveCommand : Command
{
    public override string Name => "receive";

    public override string Summary => "open a share link: decrypt its content to standard output or a file, then delete the mailbox";

    public override IReadOnlyCollection<string> ValueOptions => ["--relay", "--out"];

    public override string Help => """
        Usage: sct receive [options] LINK

        Reads the mailbox the link names with a fresh device claim (this binds the mailbox to this receiver), decrypts
        it with the secret from the link's #fragment and writes the content to standard output, or to --out FILE
        (created readable by you only). Then it deletes the mailbox. The fragment is removed before anything is sent:
        the relay never sees the secret. Quote the link in the shell: it contains '#'.

        If the secret is wrong, the mailbox has expired or another receiver took it, nothing is written, a reason is
        printed on standard error and the exit code is 1.

        Options:
          --out FILE           write the content to FILE instead of standard output
          --relay URL          talk to this relay instead of the one the link names (e.g. its public URL is not
                               reachable from here); the link then supplies only the mailbox and the secret
          --allow-http         allow a plain-http relay that is not on this machine (testing only)
        """;

    public override async Task<int> RunAsync(Arguments args, SctConsole console, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1)
        {
            throw new UsageException("Give one share link (quote it: it contains '#').");
        }

        var link = ShareLink.Parse(args.Positionals[0]);
        using var http = NewHttpClient();
        var relay = Connect(http, args["--relay"] ?? link.Location.RelayBaseAddress.AbsoluteUri, args);
        var session = ShareSession.Join(relay, link);

        ReceivedContent content;
        try
        {
            content = await session.ReadAsync(cancellationToken);
        }
        catch (PayloadDecryptionException e)
        {
            // The read bound the mailbox to this attempt's claim, which is now gone: a retry would be refused.
            throw new PayloadDecryptionException(e.Message + " Nothing was written; the mailbox is now taken by this attempt, so ask the sender to share again.");
        }

        var large = content.ProvisioningInformation.Length >= ProgressThreshold;
        if (large)
        {
            await console.Error.WriteLineAsync($"sct: decrypted {Size(content.ProvisioningInformation.Length)}; writing…");
        }

        await WriteOutputAsync(content.ProvisioningInformation, args["--out"], console, cancellationToken);

        // §3.1: delete once the content is safely out. It is already delivered, so a failure here is only a warning:
        // the mailbox stays bound to this (now forgotten) claim and the relay removes it when it expires.
        try
        {
            await session.DeleteAsync(cancellationToken);
            await console.Error.WriteLineAsync($"sct: received {Size(content.ProvisioningInformation.Length)}{Titled(content.DisplayInformation)}; the mailbox is deleted.");
        }
        catch (RelayException e)
        {
            await console.Error.WriteLineAsync($"sct: received, but the mailbox could not be deleted ({e.Message.ReplaceLineEndings(" ")}); it will expire on its own.");
        }

        return Sct.Success;
    }

    private static string Titled(DisplayInformation display) => display.Title is { Length: > 0 } title ? $" (\"{Printable(title)}\")" : "";

    private static async Task WriteOutputAsync(byte[] content, string? path, SctConsole console, CancellationToken cancellationToken)
    {
        if (path is null or "-")
        {
            await console.Output.WriteAsync(content, cancellationToken);
            await console.Output.FlushAsync(cancellationToken);
            return;
        }

        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite; // it is a credential
        }

        await using var file = new FileStream(path, options);
        await file.WriteAsync(content, cancellationToken);
    }
}
