using System.Security.Cryptography;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>
/// The draft is the only contract: an independent WebCrypto receiver opens what <c>sct send</c> made, and
/// <c>sct receive</c> opens what an independent WebCrypto sender made (tests/interop/*.mjs, Node's crypto.subtle),
/// both through the self-hosted relay.
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
[Trait(Needs.Trait, Needs.Node)]
public sealed class WebCryptoInteropTests(RelayFixture fixture)
{
    private string Relay => fixture.BaseAddress.AbsoluteUri;

    [Theory]
    [InlineData("--aes128")]
    [InlineData(null)]
    public async Task A_WebCrypto_receiver_decrypts_what_sct_send_shared(string? keyOption)
    {
        var content = RandomNumberGenerator.GetBytes(2048);
        var sent = await Programs.SctAsync(["send", "--relay", Relay, .. keyOption is null ? Array.Empty<string>() : [keyOption], "-"], content);
        Assert.True(sent.ExitCode == 0, sent.Error);

        var received = await Programs.NodeAsync("webcrypto-receiver.mjs", [sent.LastOutputLine, Relay]);

        Assert.True(received.ExitCode == 0, received.Error);
        Assert.Equal(content, received.Output);
        using var http = new HttpClient { BaseAddress = fixture.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        await Assert.ThrowsAsync<MailboxNotFoundException>(() => new MailboxClient(http).PreviewAsync(ShareLink.Parse(sent.LastOutputLine).MailboxId));
    }

    [Theory]
    [InlineData("--aes128")]
    [InlineData("--aes256")]
    public async Task Sct_receive_decrypts_what_a_WebCrypto_sender_shared(string keyOption)
    {
        var content = RandomNumberGenerator.GetBytes(2048);
        var sent = await Programs.NodeAsync("webcrypto-sender.mjs", [Relay, keyOption], content);
        Assert.True(sent.ExitCode == 0, sent.Error);

        var received = await Programs.SctAsync(["receive", "--relay", Relay, sent.LastOutputLine]);

        Assert.True(received.ExitCode == 0, received.Error);
        Assert.Equal(content, received.Output);
    }

    [Fact]
    public async Task The_WebCrypto_receiver_refuses_a_wrong_secret_too()
    {
        var link = ShareLink.Parse((await Programs.SctAsync(["send", "--relay", Relay, "-"], "x"u8.ToArray())).LastOutputLine);
        var wrong = link.Location.MailboxUrl.AbsoluteUri + "#" + ShareSecret.Generate(KeySize.Aes256).ToBase64Url();

        var received = await Programs.NodeAsync("webcrypto-receiver.mjs", [wrong, Relay]);

        Assert.Equal(1, received.ExitCode);
        Assert.Empty(received.Output);
    }
}
