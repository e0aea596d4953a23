using System.Text;
using ScTransfer.Client;

namespace ScTransfer.Cli;

/// <summary>
/// <c>sct demo</c>: a whole stateful exchange (draft §3.2) between a simulated sender and receiver in this process,
/// narrated step by step for someone meeting the draft for the first time.
/// </summary>
internal sealed class DemoCommand : Command
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public override string Name => "demo";

    public override string Summary => "run a complete stateful exchange between a simulated sender and receiver, explaining each step";

    public override string Help => $"""
        Usage: sct demo [options]

        Plays both devices of a stateful transfer (draft §3.2) against a real relay and explains each call:
        create, preview, read (binding the receiver), the receiver's reply, the sender's answer, and the delete.
        The demo's content is made up; nothing from this machine is sent.

        Options:
          --relay URL          the relay (default ${RelayVariable}, else {DefaultRelay})
          --allow-http         allow a plain-http relay that is not on this machine (testing only)
        """;

    public override async Task<int> RunAsync(Arguments args, SctConsole console, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 0)
        {
            throw new UsageException("demo takes no arguments besides options.");
        }

        using var http = NewHttpClient();
        var relay = Connect(http, ConfiguredRelay(args, console), args);
        Task Say(string text) => console.WriteLineAsync(text, cancellationToken);
        static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

        await Say($"Secure Credential Transfer demo against {relay.RelayBaseAddress}");
        await Say("Two devices share a car key through the relay. The relay stores only ciphertext: the key to it travels in the link's #fragment, which never reaches the relay.\n");

        await Say("1. SENDER creates a share (§3, §6.1 CreateMailbox).");
        await Say("   It picks a random mailbox identifier and a random device claim (v4 UUIDs), generates a fresh 256-bit AES key (the Secret),");
        await Say("   encrypts the Provisioning Information as IV(12) || ciphertext || tag(16) (§7) and asks for read, write and delete rights (RWD).");
        var sender = await ShareSession.CreateAsync(relay, Utf8("{\"vehicle\":\"demo car\",\"invitation\":\"" + Guid.NewGuid().ToString("N") + "\"}"), new ShareOptions
        {
            DisplayInformation = new DisplayInformation("Car Key", "A key to a demo car"),
            Configuration = new MailboxConfiguration(TimeSpan.FromMinutes(10), "RWD"),
            KeySize = KeySize.Aes256,
            NotificationToken = new NotificationToken(NotificationToken.Fcm, "demo-sender-token-" + Guid.NewGuid().ToString("N")),
        }, cancellationToken);
        await Say($"   The relay answered with the mailbox URL. The sender appends the Secret as the fragment (§8.3):");
        await Say($"   {sender.Link!.Reveal()}");
        await Say("   (A real sender sends this to the receiver over a channel it trusts; here we hand it over in memory.)\n");

        var link = ShareLink.Parse(sender.Link.Reveal());
        await Say("2. RECEIVER gets the link and looks at the preview (§6.4 ReadDisplayInformation, GET).");
        await Say($"   It removes the fragment first and sends only {link.Location.MailboxUrl.AbsolutePath}: no claim, no secret, nothing is bound.");
        var preview = await relay.PreviewAsync(link.MailboxId, cancellationToken);
        await Say($"   Preview: \"{Printable(preview.Title)}\" - {Printable(preview.Description)}\n");

        await Say("3. RECEIVER reads the secure content (§6.5, POST) with its own new random device claim.");
        await Say("   That first read binds the mailbox to this receiver: any other device would now be refused (401).");
        var receiver = ShareSession.Join(relay, link);
        var offer = await receiver.ReadAsync(cancellationToken);
        await Say($"   Decrypted and verified with the Secret (the GCM tag proves nobody altered it): {Encoding.UTF8.GetString(offer.ProvisioningInformation)}\n");

        await Say("4. RECEIVER replies (§3.2, §6.2 UpdateMailbox, PUT): new Provisioning Information, encrypted with the same Secret,");
        await Say("   plus its own notification token so the relay can tell it when the sender answers.");
        await receiver.UpdateAsync(Utf8("{\"devicePublicKey\":\"demo-public-key\"}"),
            new NotificationToken(NotificationToken.Fcm, "demo-receiver-token-" + Guid.NewGuid().ToString("N")), cancellationToken);
        await Say($"   Stored. Relay can push: {(receiver.IsPushNotificationSupported ? "yes" : "no, so the devices poll by reading")}.\n");

        await Say("5. SENDER learns of the reply (a push, or here by polling its read) and decrypts it.");
        var reply = await sender.WaitForUpdateAsync(PollInterval, cancellationToken: cancellationToken);
        await Say($"   Receiver's reply: {Encoding.UTF8.GetString(reply.ProvisioningInformation)}");
        await Say("   The sender answers with the final credential data (UpdateMailbox again).");
        await sender.UpdateAsync(Utf8("{\"signedKey\":\"demo-signed-key\"}"), new NotificationToken(NotificationToken.Fcm, "demo-sender-token-2"), cancellationToken);
        await Say("");

        await Say("6. RECEIVER reads the sender's answer and finishes provisioning.");
        var final = await receiver.WaitForUpdateAsync(PollInterval, cancellationToken: cancellationToken);
        await Say($"   Sender's answer: {Encoding.UTF8.GetString(final.ProvisioningInformation)}\n");

        await Say("7. RECEIVER deletes the mailbox (§6.3 DeleteMailbox): the transfer is complete and the share cannot be used again.");
        await receiver.DeleteAsync(cancellationToken);
        try
        {
            await relay.PreviewAsync(link.MailboxId, cancellationToken);
            await Say("   Unexpected: the mailbox still answers.");
            return Sct.Failure;
        }
        catch (MailboxNotFoundException)
        {
            await Say("   The relay now answers 404 for this mailbox, even to the preview.\n");
        }

        await Say("Done. Try it with two terminals: 'sct send FILE' on one, 'sct receive \"LINK\"' on the other (docs/cli.md).");
        return Sct.Success;
    }
}
