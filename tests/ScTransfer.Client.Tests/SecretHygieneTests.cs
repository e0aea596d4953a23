using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>
/// draft §8.3: the relay MUST NOT receive the Secret. A recording handler keeps every byte each device sent; neither
/// the secret (in any encoding) nor the full link appears in any request URI, header or body, nor in any log line of
/// the client or the relay; claims are never logged either.
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class SecretHygieneTests(RelayFixture fixture)
{
    [Fact]
    public async Task The_fragment_never_reaches_the_relay_in_a_whole_stateful_exchange()
    {
        var senderWire = new RecordingHandler();
        var receiverWire = new RecordingHandler();
        var clientLog = new ListLogger<MailboxClient>();
        var sender = await ShareSession.CreateAsync(fixture.Client(senderWire, clientLog), "offer"u8.ToArray(),
            new ShareOptions { Configuration = MailboxConfiguration.Stateful, KeySize = KeySize.Aes256 });
        var link = sender.Link!.Reveal();
        var secret = ShareLink.Parse(link).Secret;

        var receiver = ShareSession.Join(fixture.Client(receiverWire, clientLog), ShareLink.Parse(link));
        await fixture.Client(receiverWire, clientLog).PreviewAsync(receiver.MailboxId);
        await receiver.ReadAsync();
        await receiver.UpdateAsync("reply"u8.ToArray(), new NotificationToken(NotificationToken.Fcm, "receiver-token-0123"));
        await sender.WaitForUpdateAsync(TimeSpan.FromMilliseconds(50));
        await sender.UpdateAsync("answer"u8.ToArray(), new NotificationToken(NotificationToken.Fcm, "sender-token-0123"));
        await receiver.ReadUpdateAsync();
        await receiver.DeleteAsync();

        var requests = senderWire.Requests.Concat(receiverWire.Requests).ToList();
        Assert.Equal(8, requests.Count);
        var forms = SecretForms(secret);
        foreach (var request in requests)
        {
            Assert.Equal("", request.Uri.Fragment);
            Assert.DoesNotContain('#', request.Uri.OriginalString);
            foreach (var form in forms)
            {
                Assert.DoesNotContain(form, request.Everything, StringComparison.Ordinal);
            }
        }

        var claims = requests.Select(r => r.Header(MailboxClient.DeviceClaimHeader)).OfType<string>().Distinct().ToList();
        Assert.Equal(2, claims.Count); // one per device, the same on every call
        Assert.NotEmpty(clientLog.Lines);
        foreach (var line in clientLog.Lines.Concat(fixture.Relay.LogLines))
        {
            foreach (var secretText in forms.Concat(claims).Append("receiver-token-0123").Append("sender-token-0123"))
            {
                Assert.DoesNotContain(secretText, line, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    [Fact]
    public async Task Errors_about_a_share_never_contain_its_secret_or_claim()
    {
        var wire = new RecordingHandler();
        var sender = await ShareSession.CreateAsync(fixture.Client(wire), "x"u8.ToArray());
        var link = sender.Link!.Reveal();
        await sender.DeleteAsync();

        var error = await Assert.ThrowsAsync<MailboxNotFoundException>(() => ShareSession.ReceiveOnceAsync(fixture.Client(wire), ShareLink.Parse(link)));

        var claims = wire.Requests.Select(r => r.Header(MailboxClient.DeviceClaimHeader)).OfType<string>();
        foreach (var text in SecretForms(ShareLink.Parse(link).Secret).Concat(claims))
        {
            Assert.DoesNotContain(text, error.ToString(), StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain(ShareLink.Parse(link).Secret.ToBase64Url(), sender.ToString() + sender.Link, StringComparison.Ordinal);
    }

    /// <summary>The secret as base64url, standard base64 and hex: any of them on the wire would be a leak.</summary>
    private static string[] SecretForms(ShareSecret secret)
    {
        var key = secret.Key.ToArray();
        return [secret.ToBase64Url(), Convert.ToBase64String(key).TrimEnd('='), Convert.ToHexString(key)];
    }
}
