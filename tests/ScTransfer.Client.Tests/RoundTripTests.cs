using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using ScTransfer.Testing;

namespace ScTransfer.Client.Tests;

/// <summary>Both devices through the real self-hosted relay on Azurite: draft §3.1 and §3.2 end to end.</summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class RoundTripTests(RelayFixture fixture) : IDisposable
{
    private readonly RecordingHandler _senderWire = new();
    private readonly RecordingHandler _receiverWire = new();

    public void Dispose()
    {
        _senderWire.Dispose();
        _receiverWire.Dispose();
    }

    private static ShareLink Handed(ShareSession sender) => ShareLink.Parse(sender.Link!.Reveal());

    [Fact]
    public async Task Stateless_transfer_delivers_the_exact_bytes_and_the_receiver_deletes_the_mailbox()
    {
        var senderRelay = fixture.Client(_senderWire);
        var receiverRelay = fixture.Client(_receiverWire);
        var credential = RandomNumberGenerator.GetBytes(3000);

        var sender = await ShareSession.CreateAsync(senderRelay, credential, new ShareOptions { DisplayInformation = new DisplayInformation("Hotel Pass", "Room 12") });
        var received = await ShareSession.ReceiveOnceAsync(receiverRelay, Handed(sender));

        Assert.Equal(credential, received.ProvisioningInformation);
        Assert.Equal("Hotel Pass", received.DisplayInformation.Title);
        Assert.NotNull(received.Expiration);
        Assert.Equal([HttpMethod.Post, HttpMethod.Delete], _receiverWire.Requests.Select(r => r.Method));
        await Assert.ThrowsAsync<MailboxNotFoundException>(() => receiverRelay.PreviewAsync(sender.MailboxId));
    }

    [Theory]
    [InlineData(KeySize.Aes128, "AES128")]
    [InlineData(KeySize.Aes256, "AES256")]
    public async Task The_payload_the_relay_stores_is_IV_ciphertext_tag_under_the_link_secret(KeySize size, string type)
    {
        var relay = fixture.Client(_senderWire);
        var sender = await ShareSession.CreateAsync(relay, "credential"u8.ToArray(), new ShareOptions { KeySize = size });

        var stored = await relay.ReadAsync(sender.MailboxId, Guid.NewGuid()); // as a receiver would, still encrypted

        Assert.Equal(type, stored.Payload.Type);
        Assert.Equal(PayloadCipher.IvLength + "credential".Length + PayloadCipher.TagLength, stored.Payload.Data.Length);
        Assert.Equal("credential"u8.ToArray(), PayloadCipher.Decrypt(stored.Payload, Handed(sender).Secret));
    }

    [Fact]
    public async Task Stateful_exchange_carries_a_reply_and_an_answer_under_the_same_secret()
    {
        var sender = await ShareSession.CreateAsync(fixture.Client(_senderWire), "offer"u8.ToArray(),
            new ShareOptions { Configuration = MailboxConfiguration.Stateful });
        var receiver = ShareSession.Join(fixture.Client(_receiverWire), Handed(sender));

        Assert.Null(await sender.ReadUpdateAsync()); // nothing new: the mailbox holds the sender's own offer
        Assert.Equal("offer"u8.ToArray(), (await receiver.ReadAsync()).ProvisioningInformation);

        await receiver.UpdateAsync("reply"u8.ToArray(), new NotificationToken(NotificationToken.Fcm, "receiver-token"));
        Assert.Null(await receiver.ReadUpdateAsync());
        Assert.Equal("reply"u8.ToArray(), (await sender.WaitForUpdateAsync(TimeSpan.FromMilliseconds(50)))!.ProvisioningInformation);

        await sender.UpdateAsync("answer"u8.ToArray(), new NotificationToken(NotificationToken.Apns, "sender-token"));
        Assert.Equal("answer"u8.ToArray(), (await receiver.ReadUpdateAsync())!.ProvisioningInformation);

        await receiver.DeleteAsync();
        await Assert.ThrowsAsync<MailboxNotFoundException>(() => sender.ReadAsync());
    }

    [Fact]
    public async Task A_second_receiver_is_refused_once_one_is_bound()
    {
        var sender = await ShareSession.CreateAsync(fixture.Client(_senderWire), "x"u8.ToArray());
        await ShareSession.Join(fixture.Client(_receiverWire), Handed(sender)).ReadAsync();

        await Assert.ThrowsAsync<MailboxAccessDeniedException>(() => ShareSession.Join(fixture.Client(_receiverWire), Handed(sender)).ReadAsync());
    }

    [Fact]
    public async Task The_sender_can_cancel_a_share_before_it_is_opened()
    {
        var sender = await ShareSession.CreateAsync(fixture.Client(_senderWire), "x"u8.ToArray());

        await sender.DeleteAsync();

        await Assert.ThrowsAsync<MailboxNotFoundException>(() => ShareSession.Join(fixture.Client(_receiverWire), Handed(sender)).ReadAsync());
    }

    [Fact]
    public async Task A_wrong_secret_fails_to_decrypt_and_the_mailbox_is_not_deleted()
    {
        var sender = await ShareSession.CreateAsync(fixture.Client(_senderWire), "x"u8.ToArray());
        var wrong = ShareLink.Create(Handed(sender).Location.MailboxUrl, sender.MailboxId, ShareSecret.Generate());

        await Assert.ThrowsAsync<PayloadDecryptionException>(() => ShareSession.ReceiveOnceAsync(fixture.Client(_receiverWire), wrong));

        Assert.DoesNotContain(_receiverWire.Requests, r => r.Method == HttpMethod.Delete);
        Assert.Equal("x"u8.ToArray(), (await sender.ReadAsync()).ProvisioningInformation);
    }

    [Fact]
    public async Task Content_over_the_relays_128_KiB_limit_is_reported_as_too_large()
    {
        var error = await Assert.ThrowsAsync<PayloadTooLargeException>(() =>
            ShareSession.CreateAsync(fixture.Client(_senderWire), new byte[128 * 1024]));

        Assert.Contains("128 KiB", error.Message, StringComparison.Ordinal);
        Assert.NotNull(error.Detail);
    }

    [Fact]
    public async Task Content_just_under_the_limit_goes_through()
    {
        var credential = RandomNumberGenerator.GetBytes((128 * 1024) - PayloadCipher.IvLength - PayloadCipher.TagLength);
        var sender = await ShareSession.CreateAsync(fixture.Client(_senderWire), credential);

        Assert.Equal(credential, (await ShareSession.ReceiveOnceAsync(fixture.Client(_receiverWire), Handed(sender))).ProvisioningInformation);
    }

    [Fact]
    public async Task Calls_whose_answers_are_lost_are_retried_with_the_same_id_and_act_once()
    {
        _senderWire.LoseResponses(1);
        var sender = await ShareSession.CreateAsync(fixture.Client(_senderWire), "offer"u8.ToArray(),
            new ShareOptions { Configuration = MailboxConfiguration.Stateful }); // the relay answers the retry 201 with the same link
        var receiver = ShareSession.Join(fixture.Client(_receiverWire), Handed(sender));
        await receiver.ReadAsync();

        _receiverWire.LoseResponses(1);
        await receiver.UpdateAsync("reply"u8.ToArray(), new NotificationToken(NotificationToken.Fcm, "t")); // retry: 201

        _receiverWire.LoseResponses(1);
        await receiver.DeleteAsync(); // retry: 404, which after a lost answer means done

        var creates = _senderWire.Requests.Where(r => r.Method == HttpMethod.Post && r.Uri.AbsolutePath == "/v1/m").ToList();
        Assert.Equal(2, creates.Count);
        Assert.Single(creates.Select(r => r.Header(MailboxClient.CorrelationIdHeader)).Distinct());
        foreach (var method in new[] { HttpMethod.Put, HttpMethod.Delete })
        {
            var tries = _receiverWire.Requests.Where(r => r.Method == method).ToList();
            Assert.Equal(2, tries.Count);
            Assert.Single(tries.Select(r => r.Header(MailboxClient.CorrelationIdHeader)).Distinct());
        }

        await Assert.ThrowsAsync<MailboxNotFoundException>(() => sender.ReadAsync());
    }

    [Fact]
    public async Task The_client_registers_with_IHttpClientFactory()
    {
        var services = new ServiceCollection();
        services.AddScTransferClient(o => o.RelayBaseAddress = fixture.BaseAddress);
        await using var provider = services.BuildServiceProvider();
        var relay = provider.GetRequiredService<MailboxClient>();

        var sender = await ShareSession.CreateAsync(relay, "x"u8.ToArray(), new ShareOptions { DisplayInformation = new DisplayInformation("Via factory") });

        Assert.Equal("Via factory", (await relay.PreviewAsync(sender.MailboxId)).Title);
    }
}
