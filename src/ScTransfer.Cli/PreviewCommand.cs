using ScTransfer.Client;

namespace ScTransfer.Cli;

/// <summary><c>sct preview</c>: the public display information of a share (draft §6.4), as a link preview shows it.</summary>
internal sealed class PreviewCommand : Command
{
    public override string Name => "preview";

    public override string Summary => "show a share's public title, description and image without opening it";

    public override string Help => """
        Usage: sct preview [options] LINK

        Fetches the mailbox's OpenGraph preview (what messaging apps show for the link) and prints its title,
        description and image. It sends no device claim and does not bind or open the mailbox; the link's
        #secret is optional and never sent.

        Options:
          --relay URL          talk to this relay instead of the one the link names
          --allow-http         allow a plain-http relay that is not on this machine (testing only)
        """;

    public override async Task<int> RunAsync(Arguments args, SctConsole console, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1)
        {
            throw new UsageException("Give one share link.");
        }

        var location = MailboxLocation.Parse(args.Positionals[0]);
        using var http = NewHttpClient();
        var relay = Connect(http, args["--relay"] ?? location.RelayBaseAddress.AbsoluteUri, args);
        var display = await relay.PreviewAsync(location.MailboxId, cancellationToken);
        await console.WriteLineAsync($"Title:       {Printable(display.Title)}", cancellationToken);
        await console.WriteLineAsync($"Description: {Printable(display.Description)}", cancellationToken);
        await console.WriteLineAsync($"Image:       {display.ImageUrl?.AbsoluteUri}", cancellationToken);
        return Sct.Success;
    }
}
