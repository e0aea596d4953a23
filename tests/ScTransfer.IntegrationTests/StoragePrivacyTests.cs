using System.Net;
using System.Text;
using Azure.Data.Tables;
using ScTransfer.Testing;

namespace ScTransfer.IntegrationTests;

/// <summary>
/// Draft §8.2 and docs/security.md (the stolen storage dump): a dump of the storage account after a whole stateful
/// exchange reveals no device claim, attestation, notification token (a device identifier) or Mailbox-Correlation-ID,
/// in any encoding.
/// </summary>
[Collection(RelayCollection.Name)]
[Trait(Needs.Trait, Needs.Relay)]
public sealed class StoragePrivacyTests(RelayFixture fixture)
{
    private readonly RelayClient _relay = fixture.Client;

    [Fact]
    public async Task No_claim_attestation_token_or_correlation_id_is_stored_in_any_form_after_a_stateful_exchange()
    {
        var secrets = new List<string>();
        string Secret(string value)
        {
            secrets.Add(value);
            return value;
        }

        for (var i = 0; i < 3; i++)
        {
            var id = RelayClient.NewId();
            var sender = Secret(RelayClient.NewId());
            var receiver = Secret(RelayClient.NewId());
            var senderApns = Secret("a1b2c3d4e5f6" + Guid.NewGuid().ToString("N"));
            var senderApnsLater = Secret("f6e5d4c3b2a1" + Guid.NewGuid().ToString("N"));
            var receiverFcm = Secret("fcm:" + Guid.NewGuid().ToString("N"));

            var createBody = RelayClient.CreateBody(id, token: RelayClient.Token("com.apple.apns", senderApns));
            using (var request = RelayClient.Request(HttpMethod.Post, "v1/m", sender, createBody, Secret(RelayClient.NewId()), Secret("attestation-" + sender)))
            {
                using var created = await _relay.Http.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            }

            await ExpectAsync(HttpStatusCode.OK, _relay.ReadAsync(id, receiver, Secret(RelayClient.NewId())));
            await ExpectAsync(HttpStatusCode.OK, _relay.UpdateAsync(id, RelayClient.UpdateBody(token: RelayClient.Token("com.google.fcm", receiverFcm)), receiver, Secret(RelayClient.NewId())));
            await ExpectAsync(HttpStatusCode.OK, _relay.UpdateAsync(
                id, RelayClient.UpdateBody(token: RelayClient.Token("com.apple.apns", senderApnsLater)), sender, Secret(RelayClient.NewId())));
            await ExpectAsync(HttpStatusCode.OK, _relay.RelinquishAsync(id, receiver, Secret(RelayClient.NewId())));
        }

        var text = await DumpAsync(fixture.Relay.MailboxTable);
        Assert.NotEmpty(text);
        foreach (var secret in secrets)
        {
            foreach (var form in Forms(secret))
            {
                Assert.DoesNotContain(form, text, StringComparison.Ordinal);
            }
        }
    }

    private static async Task ExpectAsync(HttpStatusCode status, Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.Equal(status, response.StatusCode);
    }

    /// <summary>Every property of every entity, binary values as hex (both cases), base64, base64url and UTF-8 text.</summary>
    private static async Task<string> DumpAsync(string table)
    {
        var dump = new StringBuilder();
        await foreach (var entity in Azurite.CreateServiceClient().GetTableClient(table).QueryAsync<TableEntity>())
        {
            foreach (var (key, value) in entity)
            {
                dump.Append(key).Append('=');
                if (value is byte[] bytes)
                {
                    dump.Append(Convert.ToHexString(bytes)).Append(' ').Append(Convert.ToHexStringLower(bytes)).Append(' ')
                        .Append(Convert.ToBase64String(bytes)).Append(' ').Append(Base64Url(bytes)).Append(' ')
                        .Append(Encoding.UTF8.GetString(bytes));
                }
                else
                {
                    dump.Append(value);
                }

                dump.Append('\n');
            }
        }

        return dump.ToString();
    }

    /// <summary>A secret as text (both cases), and its UTF-8 bytes (and a UUID's 16 bytes) as hex, base64 and base64url.</summary>
    private static IEnumerable<string> Forms(string secret)
    {
        var encodings = new List<byte[]> { Encoding.UTF8.GetBytes(secret) };
        if (Guid.TryParse(secret, out var guid))
        {
            yield return guid.ToString("N");
            encodings.Add(guid.ToByteArray());
            encodings.Add(guid.ToByteArray(bigEndian: true));
        }

        yield return secret;
        yield return secret.ToUpperInvariant();
        foreach (var bytes in encodings)
        {
            yield return Convert.ToHexString(bytes);
            yield return Convert.ToHexStringLower(bytes);
            yield return Convert.ToBase64String(bytes).TrimEnd('=');
            yield return Base64Url(bytes);
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
